#pragma once

#include "common/http/tls_context.hpp"
#include "common/log.hpp"
#include "worker_base/result_limit.hpp"

#include <boost/json/object.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace fleet::worker {

struct WorkerConfig {
    std::string type;
    std::string host = "0.0.0.0";
    std::uint16_t port = 5005;
    std::string backend_url;                // empty: standalone, no registration
    std::optional<std::string> advertise_url;  // default http://<hostname>:<bound port>
    std::optional<std::string> worker_id;      // default <type>-<hostname>-<bound port>
    boost::json::object capabilities;          // default: machine_capabilities()
    std::size_t max_concurrent = 1;
    std::chrono::milliseconds drain_timeout{30'000};
    std::chrono::milliseconds health_interval{10'000};
    std::chrono::milliseconds read_timeout{10'000};
    std::string token;
    log::Level log_level = log::Level::Info;
    log::Format log_format = log::Format::Text;
    std::size_t io_threads = 1;
    std::size_t max_connections = 10'000;
    std::size_t history_limit = 1000;
    std::size_t max_result_bytes = kDefaultMaxResultBytes;  // a larger result fails its operation
    bool check_health = false;       // --check-health: ask the running worker, then exit
    std::optional<std::string> run;  // --run '<json>': one local operation, no server
    std::string ready_file;          // --ready-file: {"pid","port","url"} written here once listening
    std::string run_log;             // --run-log: one line per operation start and end appended here (RunLog)
    bool list_types = false;         // --list-types: print the worker types and their domains, then exit
    http::TlsSetup tls;              // --tls-*: loaded and checked; empty: plain HTTP
};

// What the command line asked for: a config to run, or text to print and exit.
struct ConfigExit {
    int code;
    std::string text;
};

// Parses flags, then FLEET_* environment variables for flags not given.
// `known_types` are the worker types this binary hosts (checked here).
std::variant<WorkerConfig, ConfigExit> parse_worker_config(int argc, const char* const argv[],
                                                           const std::vector<std::string>& known_types);

// {"cores": <online cpus>, "memory_gb": <physical memory, whole GB; tenths below 1 GB>}
boost::json::object machine_capabilities();

}  // namespace fleet::worker
