#pragma once

#include <string>
#include <string_view>

// What this build is: the project's version (CMake `project(VERSION)`) and the
// git commit it was configured from ("unknown" without git, unless given with
// -DFLEET_GIT_COMMIT). The two values are generated from version_values.cpp.in.
namespace fleet {

std::string_view version();
std::string_view commit();

// "<program> <version> (commit <commit>)", the answer to --version.
std::string version_line(std::string_view program);

// The Prometheus lines of fleet_build_info{version="...",commit="..."} 1.
std::string build_info_metric();

}  // namespace fleet
