#pragma once

#include "tools/chaos/audit.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

namespace fleet::chaos {

struct LoadSettings {
    std::uint64_t seed = 1;
    std::chrono::milliseconds duration{30'000};
    double rate = 4.0;                 // requests a second, all clients together
    std::size_t clients = 2;           // requests in flight at most
    double workflow_share = 0.2;       // the rest are admin runs
    std::vector<std::string> types;    // worker types in the fleet; runs pick among them
    std::string data_directory;        // where the backtest and data-processing inputs are
    std::chrono::milliseconds give_up{60'000};  // a request still unanswered after this is unacknowledged
};

// One request of the load, drawn from the seed and its index alone.
struct LoadRequest {
    Submission::Kind kind = Submission::Kind::Run;
    std::string path;  // /api/v1/admin/workers/run or /api/v1/workflows
    std::string body;
    std::string idempotency_key;  // runs only: a retry after the backend died starts nothing new
};

LoadRequest make_request(const LoadSettings& settings, std::size_t index);

// A steady load on the backend: request i is sent at start + i / rate (or as
// soon as a client is free), retried while the backend is down when that is
// safe (a run, with its Idempotency-Key; a workflow only when the connection
// was refused, so the backend never saw it).
class Load {
public:
    Load(LoadSettings settings, std::string backend_url);

    // Blocks until the duration is over and every request has its outcome.
    void run();
    std::vector<Submission> submissions() const;

private:
    Submission submit(std::size_t index);

    LoadSettings settings_;
    std::string backend_url_;
    mutable std::mutex mutex_;
    std::vector<Submission> submissions_;
};

}  // namespace fleet::chaos
