#pragma once

#include "backend/health/probe_result.hpp"
#include "common/http/client.hpp"

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace boost::asio {
class io_context;
}

namespace fleet::backend {

struct ProbeTarget {
    std::string worker_id;
    std::string endpoint_url;  // e.g. http://10.0.0.5:5005
};

// One health sweep: GET {endpoint}/health on every target, all at once but at
// most `max_in_flight` at a time, each start delayed by a random jitter within
// `spread` so a large fleet is not hit in one instant.
class HealthProber {
public:
    HealthProber(boost::asio::io_context& io, http::HttpClient& client, std::string token,
                 std::chrono::milliseconds timeout, std::size_t max_in_flight = 64);
    ~HealthProber();
    HealthProber(const HealthProber&) = delete;
    HealthProber& operator=(const HealthProber&) = delete;

    // `on_result` once per target, `on_done` after the last; both on the io_context.
    void sweep(std::vector<ProbeTarget> targets, std::chrono::milliseconds spread,
               std::function<void(ProbeResult)> on_result, std::function<void()> on_done = {});

private:
    struct Impl;
    std::shared_ptr<Impl> impl_;
};

// Turns one /health exchange into a ProbeResult (exposed for unit tests).
ProbeResult classify_probe(const std::string& worker_id, const http::ClientResponse& response);

}  // namespace fleet::backend
