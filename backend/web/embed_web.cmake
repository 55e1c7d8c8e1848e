# Writes OUTPUT, a C++ source holding the dashboard's files FILES (absolute
# paths) as byte arrays behind `builtin_web_files()`, each with its Content-Type
# and an ETag (a hash of its bytes). Run as a build step (cmake -P), so the
# binary never reads a file of backend/web/ at run time and needs no xxd.
set(arrays "")
set(entries "")
set(index 0)
foreach(file IN LISTS FILES)
  get_filename_component(name "${file}" NAME)
  if(NOT name MATCHES "^[a-z0-9_.-]+\\.(html|js|css|svg)$")
    message(FATAL_ERROR "web file ${name}: expected a plain name ending .html, .js, .css or .svg")
  endif()
  set(extension "${CMAKE_MATCH_1}")
  if(extension STREQUAL "html")
    set(type "text/html; charset=utf-8")
  elseif(extension STREQUAL "js")
    set(type "text/javascript; charset=utf-8")
  elseif(extension STREQUAL "css")
    set(type "text/css; charset=utf-8")
  else()
    set(type "image/svg+xml")
  endif()
  file(READ "${file}" hex HEX)
  string(LENGTH "${hex}" hex_length)
  math(EXPR size "${hex_length} / 2")
  file(SHA256 "${file}" hash)
  string(SUBSTRING "${hash}" 0 20 etag)
  # Sixteen bytes a line: "0x3c,0x21,...".
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
  string(REGEX REPLACE "((0x[0-9a-f][0-9a-f],){16})" "\\1\n    " bytes "${bytes}")
  string(APPEND arrays "// ${name}\nconstexpr unsigned char kFile${index}[] = {\n    ${bytes}0x00};\n\n")
  string(APPEND entries "    {\"${name}\", \"${type}\", \"\\\"${etag}\\\"\", as_text(kFile${index}, ${size})},\n")
  math(EXPR index "${index} + 1")
endforeach()
file(WRITE "${OUTPUT}.tmp" "// Generated from backend/web/ by embed_web.cmake; do not edit.
#include \"backend/web/web_files.hpp\"

namespace fleet::backend {
namespace {

// Each array ends with a zero byte that is not part of the file, so none is empty.
${arrays}std::string_view as_text(const unsigned char* bytes, std::size_t size) {
    return {reinterpret_cast<const char*>(bytes), size};
}

const WebFile kFiles[] = {
${entries}};

}  // namespace

std::span<const WebFile> builtin_web_files() { return kFiles; }

}  // namespace fleet::backend
")
# Only a changed file touches the output, so nothing recompiles needlessly.
file(COPY_FILE "${OUTPUT}.tmp" "${OUTPUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUTPUT}.tmp")
