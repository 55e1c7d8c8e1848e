#pragma once

#include "common/log.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <variant>

namespace fleet::backend {

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
    std::size_t io_threads = 2;
    std::size_t probe_concurrency = 256;
    std::chrono::milliseconds shutdown_grace{1'000};  // after SIGTERM: 503 to registrations, in-flight calls finish
    bool check_health = false;  // --check-health: ask the running backend, then exit
};

struct BackendConfigExit {
    int code;
    std::string text;
};

// Flags first, then FLEET_<NAME> environment variables (FLEET_HEALTH_INTERVAL, ...).
std::variant<BackendConfig, BackendConfigExit> parse_backend_config(int argc, const char* const argv[]);

}  // namespace fleet::backend
