#pragma once

#include "tools/fleetctl/command.hpp"

#include <vector>

namespace fleet::ctl {

// The options every command takes.
const std::vector<OptionSpec>& global_options();

// Every command, in the order help lists them. Each family adds its own rows.
const std::vector<Command>& command_table();

void add_worker_commands(std::vector<Command>& table);
void add_operation_commands(std::vector<Command>& table);
void add_run_commands(std::vector<Command>& table);
void add_workflow_commands(std::vector<Command>& table);
void add_schedule_commands(std::vector<Command>& table);
void add_local_fleet_commands(std::vector<Command>& table);
void add_document_commands(std::vector<Command>& table);  // help, completion, man

}  // namespace fleet::ctl
