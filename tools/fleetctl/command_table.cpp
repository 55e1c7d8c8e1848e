#include "tools/fleetctl/command_table.hpp"

#include "common/count.hpp"

#include <limits>

namespace fleet::ctl {

std::size_t Command::min_args() const {
    std::size_t n = 0;
    for (const auto& a : args)
        if (a.front() != '[') ++n;
    return n;
}

std::size_t Command::max_args() const { return args.size(); }

std::optional<std::string> Invocation::value(const std::string& name) const {
    const auto it = options.find(name);
    if (it == options.end() || it->second.empty()) return std::nullopt;
    return it->second.back();
}

std::optional<std::uint64_t> Invocation::count(const std::string& name) const {
    const auto text = value(name);
    if (!text) return std::nullopt;
    return parse_count(*text, 0, std::numeric_limits<std::uint64_t>::max());
}

std::vector<std::string> Invocation::values(const std::string& name) const {
    const auto it = options.find(name);
    return it == options.end() ? std::vector<std::string>{} : it->second;
}

const std::vector<OptionSpec>& global_options() {
    static const std::vector<OptionSpec> options{
        {"url", "URL", "the backend (default $FLEET_URL, else http://127.0.0.1:8000)"},
        {"token", "TOKEN", "bearer token (default $FLEET_TOKEN)"},
        {"tls-ca", "FILE", "CA bundle an https:// backend's certificate must come from (default $FLEET_TLS_CA, else the system store)"},
        {"tls-cert", "FILE", "client certificate for a backend that asks for one (default $FLEET_TLS_CERT)"},
        {"tls-key", "FILE", "its private key (default $FLEET_TLS_KEY)"},
        {"output", "FORMAT", "table (default, for people) or json (the backend's JSON as it is, for scripts); also -o"},
        {"help", "", "help for fleetctl or for the command; also -h"},
        {"version", "", "print fleetctl's version"},
    };
    return options;
}

const std::vector<Command>& command_table() {
    static const std::vector<Command> table = [] {
        std::vector<Command> t;
        add_worker_commands(t);
        add_operation_commands(t);
        add_run_commands(t);
        add_workflow_commands(t);
        add_schedule_commands(t);
        add_local_fleet_commands(t);
        add_document_commands(t);
        return t;
    }();
    return table;
}

}  // namespace fleet::ctl
