#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <variant>

namespace fleet::chaos {

struct ChaosOptions {
    std::string backend_binary;
    std::string worker_binary;
    std::string data_directory;   // the sample inputs (data/sample), copied into the run's directory
    std::string directory;        // the run's own directory; empty: a new one under /tmp
    std::uint64_t seed = 1;
    std::chrono::milliseconds duration{30'000};
    std::size_t workers = 4;
    double rate = 4.0;
    std::chrono::milliseconds worker_kill_every{8'000};
    std::chrono::milliseconds backend_kill_every{60'000};
    std::chrono::milliseconds pause_every{30'000};
    std::chrono::milliseconds settle{120'000};
};

struct OptionsExit {
    int code;
    std::string text;
};

// `--key value` pairs; durations in seconds (`--seconds 600`, `--backend-kill-every 10`).
std::variant<ChaosOptions, OptionsExit> parse_chaos_options(int argc, const char* const argv[]);

}  // namespace fleet::chaos
