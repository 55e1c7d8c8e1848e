#pragma once

#include <boost/program_options/options_description.hpp>
#include <boost/program_options/variables_map.hpp>

#include <string>
#include <string_view>

// What fleet-backend and fleet-worker share on their command lines.
namespace fleet {

// An options table whose --help keeps every description's words whole
// (Boost's 80 columns cut "[FLEET_WORKER_MAX_CONCURRENT]" in two).
boost::program_options::options_description help_table(const std::string& caption);

// Stores argv's flags in `vm`. A word that is not a flag (a stray positional
// argument, a value whose flag was mistyped) is a program_options error naming
// it, not silently dropped.
void store_flags(int argc, const char* const argv[], const boost::program_options::options_description& options,
                 boost::program_options::variables_map& vm);

// The text --help prints.
std::string help_text(const boost::program_options::options_description& options);

}  // namespace fleet
