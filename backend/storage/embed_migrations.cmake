# Writes OUTPUT, a C++ source holding the migration files MIGRATIONS (absolute
# paths, in order) as `builtin_migrations()`. Run as a build step
# (cmake -P), so the binary never reads a .sql file at run time.
set(entries "")
set(expected 1)
foreach(file IN LISTS MIGRATIONS)
  get_filename_component(name "${file}" NAME)
  if(NOT name MATCHES "^([0-9][0-9][0-9][0-9])_[a-z0-9_]+\\.sql$")
    message(FATAL_ERROR "migration ${name}: the name must be NNNN_words.sql")
  endif()
  math(EXPR version "${CMAKE_MATCH_1}")
  if(NOT version EQUAL expected)
    message(FATAL_ERROR "migration ${name}: expected version ${expected} next; versions go 1, 2, 3 with no gap")
  endif()
  math(EXPR expected "${expected} + 1")
  file(READ "${file}" sql)
  if(sql MATCHES "\\)fleet_sql\"")
    message(FATAL_ERROR "migration ${name} contains the literal's end marker")
  endif()
  string(APPEND entries "    {${version}, \"${name}\", R\"fleet_sql(${sql})fleet_sql\"},\n")
endforeach()
file(WRITE "${OUTPUT}.tmp" "// Generated from backend/storage/migrations/*.sql by embed_migrations.cmake; do not edit.
#include \"backend/storage/migrations.hpp\"

namespace fleet::backend {
namespace {

constexpr Migration kMigrations[] = {
${entries}};

}  // namespace

std::span<const Migration> builtin_migrations() { return kMigrations; }

}  // namespace fleet::backend
")
# Only a changed text touches the file, so nothing recompiles needlessly.
file(COPY_FILE "${OUTPUT}.tmp" "${OUTPUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUTPUT}.tmp")
