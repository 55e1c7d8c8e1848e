#include "backend/config.hpp"

#include "common/byte_size.hpp"
#include "common/command_line.hpp"
#include "common/duration.hpp"
#include "common/tls_options.hpp"
#include "common/version.hpp"

#include <boost/program_options.hpp>

#include <algorithm>
#include <cctype>
#include <limits>
#include <thread>

namespace fleet::backend {
namespace po = boost::program_options;

namespace {

constexpr int kMaxInt = std::numeric_limits<int>::max();

std::chrono::milliseconds duration_option(const po::variables_map& vm, const char* name) {
    try {
        return parse_duration(vm[name].as<std::string>());
    } catch (const std::invalid_argument& error) {
        throw po::error(std::string("--") + name + ": " + error.what());
    }
}

// FLEET_HEALTH_INTERVAL -> health-interval, for the options this program knows.
std::string option_of(const po::options_description& options, const std::string& variable) {
    if (variable.rfind("FLEET_", 0) != 0) return {};
    std::string name = variable.substr(6);
    for (char& c : name) c = c == '_' ? '-' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return options.find_nothrow(name, false) ? name : std::string{};
}

}  // namespace

std::size_t io_threads_for(std::size_t cores) {
    // On one or two cores a second thread only competes for the same cores, and each hand-off
    // between the threads costs a wake-up: the core thread serves HTTP too (backend-core.md).
    if (cores <= 2) return 0;
    return std::min<std::size_t>(cores - 1, 4);
}

std::size_t default_io_threads() { return io_threads_for(std::thread::hardware_concurrency()); }

std::variant<BackendConfig, BackendConfigExit> parse_backend_config(int argc, const char* const argv[]) {
    po::options_description options =
        help_table("fleet-backend options (each also read from FLEET_<NAME>, e.g. FLEET_HEALTH_INTERVAL)");
    options.add_options()
        ("help,h", "print this help")
        ("version", "print the version and the commit it was built from")
        ("host", po::value<std::string>()->default_value("0.0.0.0"), "address to listen on")
        ("port", count_value<std::uint16_t>(0, 65535)->default_value(8000), "port to listen on; 0 picks a free one")
        ("db", po::value<std::string>()->default_value("fleet.db"), "SQLite file (WAL mode); :memory: for tests")
        ("health-interval", po::value<std::string>()->default_value("10s"), "how often every worker's /health is checked")
        ("health-timeout", po::value<std::string>()->default_value("5s"), "deadline of one health check")
        ("failure-threshold", count_value<int>(1, kMaxInt)->default_value(3), "consecutive failed checks before a worker is unavailable")
        ("remove-after", po::value<std::string>()->default_value("300s"), "an unavailable worker leaves the registry after this")
        ("max-worker-losses", count_value<int>(1, kMaxInt)->default_value(3), "an operation whose workers died this often fails for good")
        ("cache-ttl", po::value<std::string>()->default_value("1s"), "operation answers younger than this come from the store")
        ("unknown-grace", po::value<std::string>()->default_value("60s"), "a running operation its worker does not know is resolved after this")
        ("token", po::value<std::string>()->default_value(""), "bearer token required on every call but /health and /metrics, and sent to workers")
        ("strict-overlap", po::bool_switch(), "refuse a run of a bot that already has one pending or running")
        ("log-level", po::value<std::string>()->default_value("info"), "debug, info, warn, error")
        ("log-format", po::value<std::string>()->default_value("text"), "text, or json: one JSON object a line")
        ("io-threads", count_value<std::size_t>(0, 64)->default_word(default_io_threads(), "auto")->former_word("cores-1"), "HTTP I/O threads besides the core thread; 0: the core thread serves HTTP too. auto: 0 on a machine of 1 or 2 cores, else its cores but one, at most 4")
        ("max-connections", count_value<std::size_t>(16, 1'000'000)->default_value(10'000), "open HTTP connections at most (and at most 3/4 of the open file limit); more are answered 503 and closed")
        ("probe-concurrency", count_value<std::size_t>(1, 10'000)->default_value(256), "health checks in flight at once")
        ("max-result-bytes", po::value<std::string>()->default_value("16MiB"), "largest operation result taken from a worker (notices, answers and registrations may be 2 MiB larger); keep it at or above every worker's --max-result-bytes")
        ("shutdown-grace", po::value<std::string>()->default_value("1s"), "after SIGTERM, how long requests in flight may finish while registrations get 503; a second signal stops at once")
        ("max-event-streams", count_value<std::size_t>(0, 1'000'000)->default_value(1000), "event streams (GET /api/v1/events) open at once; more get 503")
        ("event-history", count_value<std::size_t>(1, 10'000'000)->default_value(100'000), "events kept in memory (at most an hour of them) for event-stream clients that reconnect with Last-Event-ID")
        ("retention", po::value<std::string>()->default_value("30d"), "finished operations (completed, failed, cancelled) are deleted this long after they ended, in small batches; 0 keeps everything")
        ("check-health", po::bool_switch(), "ask the backend these options describe for its /health on this machine; exit 0 when it answers 200")
        ("ready-file", po::value<std::string>()->default_value(""), "once listening, write {\"pid\", \"port\", \"url\"} to this file (atomically: temporary file, then rename); fleetctl up reads it");
    add_tls_options(options, false);

    po::variables_map vm;
    try {
        store_flags(argc, argv, options, vm);
        store_environment(options, [&](const std::string& v) { return option_of(options, v); }, vm);
        po::notify(vm);
        if (vm.count("help")) return BackendConfigExit{0, help_text(options)};
        if (vm.count("version")) return BackendConfigExit{0, version_line("fleet-backend") + "\n"};
        BackendConfig config;
        config.host = vm["host"].as<std::string>();
        config.port = vm["port"].as<std::uint16_t>();
        config.db = vm["db"].as<std::string>();
        config.health_interval = duration_option(vm, "health-interval");
        config.health_timeout = duration_option(vm, "health-timeout");
        config.remove_after = duration_option(vm, "remove-after");
        config.cache_ttl = duration_option(vm, "cache-ttl");
        config.unknown_grace = duration_option(vm, "unknown-grace");
        config.shutdown_grace = duration_option(vm, "shutdown-grace");
        config.retention = duration_option(vm, "retention");
        config.failure_threshold = vm["failure-threshold"].as<int>();
        config.max_worker_losses = vm["max-worker-losses"].as<int>();
        config.token = vm["token"].as<std::string>();
        config.strict_overlap = vm["strict-overlap"].as<bool>();
        try {
            config.max_result_bytes = parse_byte_size(vm["max-result-bytes"].as<std::string>());
        } catch (const std::invalid_argument& error) {
            throw po::error(std::string("--max-result-bytes: ") + error.what());
        }
        if (config.max_result_bytes < 1024 || config.max_result_bytes > 1024 * 1024 * 1024)
            throw po::error("--max-result-bytes must be from 1KiB to 1GiB");
        config.check_health = vm["check-health"].as<bool>();
        config.ready_file = vm["ready-file"].as<std::string>();
        config.max_event_streams = vm["max-event-streams"].as<std::size_t>();
        config.event_history = vm["event-history"].as<std::size_t>();
        config.io_threads = vm["io-threads"].as<std::size_t>();
        config.max_connections = vm["max-connections"].as<std::size_t>();
        config.probe_concurrency = vm["probe-concurrency"].as<std::size_t>();
        const auto level = log::parse_level(vm["log-level"].as<std::string>());
        if (!level) throw po::error("--log-level must be debug, info, warn or error");
        config.log_level = *level;
        const auto format = log::parse_format(vm["log-format"].as<std::string>());
        if (!format) throw po::error("--log-format must be text or json");
        config.log_format = *format;
        if (config.health_interval.count() <= 0) throw po::error("--health-interval must be positive");
        if (config.health_timeout.count() <= 0) throw po::error("--health-timeout must be positive");
        config.tls = read_tls_options(vm);
        return config;
    } catch (const po::error& error) {
        return BackendConfigExit{2, std::string("fleet-backend: ") + error.what() + "\n(try --help)\n"};
    }
}

}  // namespace fleet::backend
