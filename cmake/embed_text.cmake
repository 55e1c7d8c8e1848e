# Writes OUTPUT, a C++ source defining `std::string_view NAMESPACE::FUNCTION()`
# that returns the text of INPUT. Run as a build step (cmake -P), so a program
# serves the file without reading it at run time.
file(READ "${INPUT}" text)
if(text MATCHES "\\)fleet_text\"")
  message(FATAL_ERROR "${INPUT} contains the literal's end marker")
endif()
file(WRITE "${OUTPUT}.tmp" "// Generated from ${INPUT} by embed_text.cmake; do not edit.
#include <string_view>

namespace ${NAMESPACE} {

std::string_view ${FUNCTION}() {
    static constexpr char kText[] = R\"fleet_text(${text})fleet_text\";
    return {kText, sizeof kText - 1};
}

}  // namespace ${NAMESPACE}
")
# Only a changed text touches the file, so nothing recompiles needlessly.
file(COPY_FILE "${OUTPUT}.tmp" "${OUTPUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUTPUT}.tmp")
