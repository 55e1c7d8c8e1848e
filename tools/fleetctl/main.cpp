// fleetctl: the command-line client of a Fleet backend. main only reads the
// environment, parses the command line and runs the command.
#include "common/version.hpp"
#include "tools/fleetctl/arguments.hpp"
#include "tools/fleetctl/backend_client.hpp"
#include "tools/fleetctl/command_table.hpp"
#include "tools/fleetctl/documents.hpp"
#include "tools/fleetctl/exit_code.hpp"

#include <unistd.h>

#include <cstdlib>
#include <iostream>

namespace {

constexpr const char* kDefaultUrl = "http://127.0.0.1:8000";

std::map<std::string, std::string> read_environment() {
    std::map<std::string, std::string> env;
    for (const char* name : {"FLEET_URL", "FLEET_TOKEN", "FLEET_TLS_CA", "FLEET_TLS_CERT", "FLEET_TLS_KEY", "FLEET_HOME", "FLEET_RUN_DIR", "FLEET_BACKEND_BIN",
                             "FLEET_WORKER_BIN", "FLEET_BIN_DIR", "PATH"}) {
        if (const char* value = std::getenv(name)) env[name] = value;
    }
    return env;
}

// The option, else its variable, else nothing.
std::string pick(const std::optional<std::string>& option, const std::map<std::string, std::string>& env,
                 const char* name) {
    if (option) return *option;
    const auto it = env.find(name);
    return it == env.end() ? std::string() : it->second;
}

// The files for an https:// backend; none given: the system store and no client certificate.
std::shared_ptr<fleet::http::TlsContext> client_tls(const fleet::ctl::Invocation& invocation,
                                                    const std::map<std::string, std::string>& env) {
    fleet::http::TlsFiles files;
    files.ca = pick(invocation.tls_ca, env, "FLEET_TLS_CA");
    files.cert = pick(invocation.tls_cert, env, "FLEET_TLS_CERT");
    files.key = pick(invocation.tls_key, env, "FLEET_TLS_KEY");
    try {
        return fleet::http::load_tls(files).client;
    } catch (const fleet::http::TlsError& error) {
        throw fleet::ctl::CliError(fleet::ctl::ExitCode::Usage, error.what());
    }
}

std::string self_path() {
    char buffer[4096];
    const auto n = ::readlink("/proc/self/exe", buffer, sizeof buffer - 1);
    return n > 0 ? std::string(buffer, static_cast<std::size_t>(n)) : std::string();
}

}  // namespace

int main(int argc, char* argv[]) {
    using namespace fleet::ctl;
    const auto& table = command_table();
    const auto environment = read_environment();
    try {
        const auto invocation = parse_arguments(std::vector<std::string>(argv + 1, argv + argc), table);
        if (invocation.version) {
            std::cout << fleet::version_line("fleetctl") << '\n';
            return 0;
        }
        if (invocation.help) {
            std::cout << (invocation.command ? command_help(*invocation.command) : usage_text(table));
            return 0;
        }
        if (!invocation.command) {
            std::cerr << usage_text(table);
            return to_int(ExitCode::Usage);
        }
        const auto env_url = environment.find("FLEET_URL");
        const auto env_token = environment.find("FLEET_TOKEN");
        BackendClient backend(
            invocation.url.value_or(env_url != environment.end() && !env_url->second.empty() ? env_url->second : kDefaultUrl),
            invocation.token.value_or(env_token != environment.end() ? env_token->second : ""),
            client_tls(invocation, environment));
        Context context{invocation, backend, std::cout, std::cerr, ::isatty(2) == 1, environment, self_path()};
        const int code = invocation.command->run(context);
        std::cout.flush();
        return code;
    } catch (const CliError& error) {
        std::cout.flush();
        std::cerr << "fleetctl: " << error.what() << '\n';
        if (error.code() == ExitCode::Usage) std::cerr << "(try fleetctl --help)\n";
        return to_int(error.code());
    } catch (const std::exception& error) {
        std::cerr << "fleetctl: " << error.what() << '\n';
        return to_int(ExitCode::Failed);
    }
}
