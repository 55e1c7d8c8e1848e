// fleetctl help [command], completion bash, man: documents made from the command table.
#include "tools/fleetctl/command_table.hpp"
#include "tools/fleetctl/documents.hpp"
#include "tools/fleetctl/exit_code.hpp"

#include <ostream>

namespace fleet::ctl {

namespace {

int help(Context& ctx) {
    if (ctx.invocation.args.empty()) {
        ctx.out << usage_text(command_table());
        return 0;
    }
    std::string name;
    for (const auto& word : ctx.invocation.args) name += (name.empty() ? "" : " ") + word;
    for (const auto& command : command_table()) {
        if (command.name == name) {
            ctx.out << command_help(command);
            return 0;
        }
    }
    throw usage_error("unknown command '" + name + "'");
}

int completion(Context& ctx) {
    if (ctx.invocation.arg(0) != "bash") throw usage_error("completion: only 'bash' is supported");
    ctx.out << bash_completion(command_table());
    return 0;
}

int man(Context& ctx) {
    ctx.out << man_page(command_table());
    return 0;
}

}  // namespace

void add_document_commands(std::vector<Command>& table) {
    table.push_back({"help", {"[command]", "[subcommand]"}, "this help, or a command's", {}, help});
    table.push_back({"completion", {"<shell>"}, "print a bash completion script (source <(fleetctl completion bash))",
                     {}, completion});
    table.push_back({"man", {}, "print the man page (roff): fleetctl man | man -l -", {}, man});
}

}  // namespace fleet::ctl
