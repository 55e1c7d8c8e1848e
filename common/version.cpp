#include "common/version.hpp"

namespace fleet {

std::string version_line(std::string_view program) {
    return std::string(program) + " " + std::string(version()) + " (commit " + std::string(commit()) + ")";
}

std::string build_info_metric() {
    // Both values come from CMake: a version number and a hex commit or "unknown", nothing to escape.
    return "# HELP fleet_build_info The version and commit of this build; always 1.\n"
           "# TYPE fleet_build_info gauge\n"
           "fleet_build_info{version=\"" + std::string(version()) + "\",commit=\"" + std::string(commit()) + "\"} 1\n";
}

}  // namespace fleet
