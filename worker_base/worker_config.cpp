#include "worker_base/worker_config.hpp"

#include "common/byte_size.hpp"
#include "common/command_line.hpp"
#include "common/duration.hpp"
#include "common/http/url.hpp"
#include "common/tls_options.hpp"
#include "common/version.hpp"

#include <boost/json/parse.hpp>
#include <boost/program_options.hpp>

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <thread>

namespace fleet::worker {
namespace po = boost::program_options;

namespace {

// Environment variable -> option name. FLEET_TOKEN and FLEET_BACKEND_URL are
// shared with the backend's names on purpose.
const std::map<std::string, std::string>& environment_names() {
    static const std::map<std::string, std::string> names{
        {"FLEET_WORKER_TYPE", "type"},
        {"FLEET_WORKER_HOST", "host"},
        {"FLEET_WORKER_PORT", "port"},
        {"FLEET_BACKEND_URL", "backend-url"},
        {"FLEET_ADVERTISE_URL", "advertise-url"},
        {"FLEET_WORKER_ID", "worker-id"},
        {"FLEET_WORKER_CAPABILITIES", "capabilities"},
        {"FLEET_WORKER_MAX_CONCURRENT", "max-concurrent"},
        {"FLEET_WORKER_DRAIN_TIMEOUT", "drain-timeout"},
        {"FLEET_HEALTH_INTERVAL", "health-interval"},
        {"FLEET_WORKER_READ_TIMEOUT", "read-timeout"},
        {"FLEET_TOKEN", "token"},
        {"FLEET_LOG_LEVEL", "log-level"},
        {"FLEET_LOG_FORMAT", "log-format"},
        {"FLEET_WORKER_IO_THREADS", "io-threads"},
        {"FLEET_WORKER_MAX_CONNECTIONS", "max-connections"},
        {"FLEET_WORKER_HISTORY", "history"},
        {"FLEET_WORKER_MAX_RESULT_BYTES", "max-result-bytes"},
        {"FLEET_WORKER_RUN_LOG", "run-log"},
        {"FLEET_TLS_CERT", "tls-cert"},
        {"FLEET_TLS_KEY", "tls-key"},
        {"FLEET_TLS_CA", "tls-ca"},
        {"FLEET_TLS_CLIENT_AUTH", "tls-client-auth"},
    };
    return names;
}

std::chrono::milliseconds duration_option(const po::variables_map& vm, const char* name) {
    try {
        return parse_duration(vm[name].as<std::string>());
    } catch (const std::invalid_argument& error) {
        throw po::error(std::string("--") + name + ": " + error.what());
    }
}

// A URL the worker would use for ever without success is refused at start, not retried.
void require_http_url(const std::string& flag, const std::string& url, const std::string& example) {
    if (http::parse_http_url(url)) return;
    throw po::error(flag + " must be an http:// or https:// URL with a host, e.g. " + example + " (got '" + url + "')");
}

std::string join(const std::vector<std::string>& items) {
    std::string out;
    for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
    return out;
}

}  // namespace

boost::json::object machine_capabilities() {
    const long pages = sysconf(_SC_PHYS_PAGES);
    const long page_size = sysconf(_SC_PAGE_SIZE);
    const double memory_gb = (pages > 0 && page_size > 0)
                                 ? static_cast<double>(pages) * static_cast<double>(page_size) / (1024.0 * 1024 * 1024)
                                 : 0.0;
    // Whole GB as the KTRDR guide writes them (a "16 GB" machine shows 15.6 to the kernel);
    // tenths below 1 GB, so a small container does not claim none.
    boost::json::value memory = memory_gb >= 1 ? boost::json::value(std::llround(memory_gb))
                                               : boost::json::value(std::round(memory_gb * 10) / 10);
    return boost::json::object{{"cores", std::max(1u, std::thread::hardware_concurrency())},
                               {"memory_gb", std::move(memory)}};
}

std::variant<WorkerConfig, ConfigExit> parse_worker_config(int argc, const char* const argv[],
                                                           const std::vector<std::string>& known_types) {
    po::options_description options = help_table("fleet-worker options (each also read from FLEET_* environment variables)");
    options.add_options()
        ("help,h", "print this help")
        ("version", "print the version and the commit it was built from")
        ("type", po::value<std::string>(), ("worker type: " + join(known_types) + " [FLEET_WORKER_TYPE]").c_str())
        ("host", po::value<std::string>()->default_value("0.0.0.0"), "address to listen on [FLEET_WORKER_HOST]")
        ("port", count_value<std::uint16_t>(0, 65535)->default_value(5005), "port to listen on; 0 picks a free one [FLEET_WORKER_PORT]")
        ("backend-url", po::value<std::string>()->default_value(""), "backend to register with, e.g. http://backend:8000 [FLEET_BACKEND_URL]")
        ("advertise-url", po::value<std::string>(), "URL the backend reaches this worker at; default http://<hostname>:<port> [FLEET_ADVERTISE_URL]")
        ("worker-id", po::value<std::string>(), "default <type>-<hostname>-<port> [FLEET_WORKER_ID]")
        ("capabilities", po::value<std::string>(), "JSON object; default the machine's {\"cores\": <cpus>, \"memory_gb\": <whole GB>} [FLEET_WORKER_CAPABILITIES]")
        ("max-concurrent", count_value<std::size_t>(1, 1024)->default_value(1), "operations run at once [FLEET_WORKER_MAX_CONCURRENT]")
        ("drain-timeout", po::value<std::string>()->default_value("30s"), "on SIGTERM, how long running work may finish [FLEET_WORKER_DRAIN_TIMEOUT]")
        ("health-interval", po::value<std::string>()->default_value("10s"), "the backend's health interval; 3 without a check -> register again [FLEET_HEALTH_INTERVAL]")
        ("read-timeout", po::value<std::string>()->default_value("10s"), "time to receive a whole request [FLEET_WORKER_READ_TIMEOUT]")
        ("token", po::value<std::string>()->default_value(""), "bearer token required on every call but /health and /metrics [FLEET_TOKEN]")
        ("log-level", po::value<std::string>()->default_value("info"), "debug, info, warn, error [FLEET_LOG_LEVEL]")
        ("log-format", po::value<std::string>()->default_value("text"), "text, or json: one JSON object a line [FLEET_LOG_FORMAT]")
        ("io-threads", count_value<std::size_t>(1, 64)->default_value(1), "HTTP I/O threads [FLEET_WORKER_IO_THREADS]")
        ("max-connections", count_value<std::size_t>(16, 1'000'000)->default_value(10'000), "open HTTP connections at most (and at most 3/4 of the open file limit); more are answered 503 and closed [FLEET_WORKER_MAX_CONNECTIONS]")
        ("history", count_value<std::size_t>(0, 10'000'000)->default_value(1000), "finished operations kept [FLEET_WORKER_HISTORY]")
        ("max-result-bytes", po::value<std::string>()->default_value("4MiB"), "largest result an operation may return (as JSON); a larger one fails the operation [FLEET_WORKER_MAX_RESULT_BYTES]")
        ("run", po::value<std::string>(), "run one operation locally with these JSON parameters, print the result, exit")
        ("ready-file", po::value<std::string>()->default_value(""), "once listening, write {\"pid\", \"port\", \"url\"} to this file (atomically: temporary file, then rename); fleetctl up reads it")
        ("run-log", po::value<std::string>()->default_value(""), "append a line to this file when an operation's work starts and when it ends (operation id, worker id, pid, time; written at once, so kept through a kill -9); scripts/chaos audits them [FLEET_WORKER_RUN_LOG]")
        ("list-types", "print the worker types this binary hosts, one a line with its domain (\"echo echo\"), and exit")
        ("check-health", po::bool_switch(), "ask the worker these options describe for its /health on this machine; exit 0 when it answers 200 (no --type needed)");
    add_tls_options(options, true);

    po::variables_map vm;
    try {
        store_flags(argc, argv, options, vm);
        store_environment(
            options,
            [](const std::string& variable) {
                const auto& names = environment_names();
                const auto it = names.find(variable);
                return it == names.end() ? std::string{} : it->second;
            },
            vm);
        po::notify(vm);
        if (vm.count("help")) return ConfigExit{0, help_text(options)};
        if (vm.count("version")) return ConfigExit{0, version_line("fleet-worker") + "\n"};
        WorkerConfig config;
        config.host = vm["host"].as<std::string>();
        config.port = vm["port"].as<std::uint16_t>();
        config.check_health = vm["check-health"].as<bool>();
        config.list_types = vm.count("list-types") > 0;
        config.tls = read_tls_options(vm);
        if (config.check_health || config.list_types) return config;
        if (!vm.count("type")) throw po::error("--type is required (one of: " + join(known_types) + ")");
        config.type = vm["type"].as<std::string>();
        if (std::find(known_types.begin(), known_types.end(), config.type) == known_types.end())
            throw po::error("unknown worker type '" + config.type + "' (known: " + join(known_types) + ")");
        config.backend_url = vm["backend-url"].as<std::string>();
        while (!config.backend_url.empty() && config.backend_url.back() == '/') config.backend_url.pop_back();
        if (!config.backend_url.empty()) require_http_url("--backend-url", config.backend_url, "http://backend:8000");
        if (vm.count("advertise-url")) {
            config.advertise_url = vm["advertise-url"].as<std::string>();
            require_http_url("--advertise-url", *config.advertise_url, "http://worker1:5005");
        }
        if (vm.count("worker-id")) config.worker_id = vm["worker-id"].as<std::string>();
        if (vm.count("capabilities")) {
            boost::system::error_code ec;
            auto parsed = boost::json::parse(vm["capabilities"].as<std::string>(), ec);
            if (ec || !parsed.is_object()) throw po::error("--capabilities must be a JSON object");
            config.capabilities = std::move(parsed.get_object());
        } else {
            config.capabilities = machine_capabilities();
        }
        config.max_concurrent = vm["max-concurrent"].as<std::size_t>();
        config.drain_timeout = duration_option(vm, "drain-timeout");
        config.health_interval = duration_option(vm, "health-interval");
        config.read_timeout = duration_option(vm, "read-timeout");
        if (config.health_interval.count() <= 0) throw po::error("--health-interval must be positive");
        if (config.read_timeout.count() <= 0) throw po::error("--read-timeout must be positive");
        config.token = vm["token"].as<std::string>();
        const auto level = log::parse_level(vm["log-level"].as<std::string>());
        if (!level) throw po::error("--log-level must be debug, info, warn or error");
        config.log_level = *level;
        const auto format = log::parse_format(vm["log-format"].as<std::string>());
        if (!format) throw po::error("--log-format must be text or json");
        config.log_format = *format;
        config.io_threads = vm["io-threads"].as<std::size_t>();
        config.max_connections = vm["max-connections"].as<std::size_t>();
        config.history_limit = vm["history"].as<std::size_t>();
        try {
            config.max_result_bytes = parse_byte_size(vm["max-result-bytes"].as<std::string>());
        } catch (const std::invalid_argument& error) {
            throw po::error(std::string("--max-result-bytes: ") + error.what());
        }
        if (config.max_result_bytes < kMinResultBytes || config.max_result_bytes > kMaxResultBytes)
            throw po::error("--max-result-bytes must be from 1KiB to 1GiB");
        if (vm.count("run")) config.run = vm["run"].as<std::string>();
        config.ready_file = vm["ready-file"].as<std::string>();
        config.run_log = vm["run-log"].as<std::string>();
        return config;
    } catch (const po::error& error) {
        return ConfigExit{2, std::string("fleet-worker: ") + error.what() + "\n(try --help)\n"};
    }
}

}  // namespace fleet::worker
