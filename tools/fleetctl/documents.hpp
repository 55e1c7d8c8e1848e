#pragma once

#include "tools/fleetctl/command.hpp"

#include <string>
#include <vector>

namespace fleet::ctl {

// All made from the command table, so they cannot disagree with what the parser takes.
std::string usage_text(const std::vector<Command>& table);            // fleetctl --help
std::string command_help(const Command& command);                     // fleetctl <command> --help
std::string bash_completion(const std::vector<Command>& table);       // fleetctl completion bash
std::string man_page(const std::vector<Command>& table);              // fleetctl man (roff)
std::string exit_code_text();                                          // the exit status table

}  // namespace fleet::ctl
