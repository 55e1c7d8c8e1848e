#pragma once

#include "common/http/tls_context.hpp"
#include "common/log.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <variant>

namespace fleet::backend {

// HTTP I/O threads besides the core thread for a machine of `cores` cores: none on 1 or 2 cores
// (the core thread serves HTTP too: each hand-off between two threads costs a wake-up, about 14%
// of the backend's CPU an operation in scripts/bench_backend on 2 cores), else the cores but one
// (the core thread's), at most 4. 0 cores (unknown) counts as one.
std::size_t io_threads_for(std::size_t cores);
// io_threads_for() this machine: --io-threads when it is not given (or given as "auto").
std::size_t default_io_threads();

struct BackendConfig {
    std::string host = "0.0.0.0";
    std::uint16_t port = 8000;
    std::string db = "fleet.db";
    std::chrono::milliseconds health_interval{10'000};
    std::chrono::milliseconds health_timeout{5'000};
    int failure_threshold = 3;
    std::chrono::milliseconds remove_after{300'000};
    int max_worker_losses = 3;
    std::chrono::milliseconds cache_ttl{1'000};
    std::chrono::milliseconds unknown_grace{60'000};  // a running operation its worker does not know
    std::string token;
    bool strict_overlap = false;
    log::Level log_level = log::Level::Info;
    log::Format log_format = log::Format::Text;
    std::size_t io_threads = default_io_threads();
    std::size_t max_connections = 10'000;
    std::size_t probe_concurrency = 256;
    std::size_t max_result_bytes = 16 * 1024 * 1024;  // the largest result the backend takes from a worker
    std::chrono::milliseconds shutdown_grace{1'000};
    std::size_t max_event_streams = 1000;   // GET /api/v1/events at once
    std::size_t event_history = 100'000;    // events kept for clients that resume
    std::chrono::milliseconds retention{std::chrono::hours(30 * 24)};  // finished operations kept; 0 keeps all  // after SIGTERM: 503 to registrations, in-flight calls finish
    bool check_health = false;  // --check-health: ask the running backend, then exit
    std::string ready_file;     // --ready-file: {"pid","port","url"} written here once listening
    http::TlsSetup tls;         // --tls-*: loaded and checked; empty: plain HTTP
};

// What a worker's message about an operation may add to its result: the
// operation's parameters (at most 1 MiB, the start's own limit), progress
// and times.
inline constexpr std::size_t kOperationEnvelopeBytes = 2 * 1024 * 1024;

// The largest body the backend reads from a worker about an operation: an
// answer to a question, a completion notice, a registration.
inline std::size_t worker_message_limit(const BackendConfig& config) {
    return config.max_result_bytes + kOperationEnvelopeBytes;
}

struct BackendConfigExit {
    int code;
    std::string text;
};

// Flags first, then FLEET_<NAME> environment variables (FLEET_HEALTH_INTERVAL, ...).
std::variant<BackendConfig, BackendConfigExit> parse_backend_config(int argc, const char* const argv[]);

}  // namespace fleet::backend
