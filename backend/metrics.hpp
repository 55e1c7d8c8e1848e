#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>

namespace fleet::backend {

// Counters the backend exposes on /metrics; updated from any thread.
class BackendMetrics {
public:
    static constexpr std::array<double, 10> kLatencyBuckets{0.0005, 0.001, 0.0025, 0.005, 0.01,
                                                           0.025,  0.05,  0.1,    0.25,  1.0};

    void dispatched(std::chrono::nanoseconds latency);
    void health_check_failed() { health_check_failures_.fetch_add(1, std::memory_order_relaxed); }
    void refresh_sent() { refreshes_.fetch_add(1, std::memory_order_relaxed); }
    void refresh_joined() { refreshes_joined_.fetch_add(1, std::memory_order_relaxed); }

    // The counter and histogram lines of the Prometheus page.
    std::string prometheus() const;

private:
    std::atomic<std::uint64_t> dispatches_{0};
    std::atomic<std::uint64_t> health_check_failures_{0};
    std::atomic<std::uint64_t> refreshes_{0};
    std::atomic<std::uint64_t> refreshes_joined_{0};
    std::array<std::atomic<std::uint64_t>, kLatencyBuckets.size()> buckets_{};
    std::atomic<std::uint64_t> latency_sum_ns_{0};
};

}  // namespace fleet::backend
