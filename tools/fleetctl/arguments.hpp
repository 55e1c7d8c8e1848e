#pragma once

#include "tools/fleetctl/command.hpp"

#include <string>
#include <vector>

namespace fleet::ctl {

// Parses fleetctl's arguments (argv without the program name) against `table`.
// Global options go anywhere; `--name=value` and `--name value` both work;
// `--` ends the options; `-` alone is an argument (stdin). The command is the
// longest run of leading words that names one. Throws CliError(Usage) naming
// what is wrong.
Invocation parse_arguments(const std::vector<std::string>& argv, const std::vector<Command>& table);

}  // namespace fleet::ctl
