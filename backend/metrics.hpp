#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace fleet::backend {

// A latency histogram in seconds, updated from any thread.
class LatencyHistogram {
public:
    static constexpr std::array<double, 10> kBuckets{0.0005, 0.001, 0.0025, 0.005, 0.01,
                                                     0.025,  0.05,  0.1,    0.25,  1.0};
    void observe(std::chrono::nanoseconds latency);
    // Its Prometheus lines under `name`, with `help`.
    std::string prometheus(std::string_view name, std::string_view help) const;
    std::uint64_t count() const { return count_.load(); }

private:
    std::atomic<std::uint64_t> count_{0};
    std::array<std::atomic<std::uint64_t>, kBuckets.size()> buckets_{};
    std::atomic<std::uint64_t> sum_ns_{0};
};

// Counters the backend exposes on /metrics; updated from any thread.
class BackendMetrics {
public:
    void dispatched(std::chrono::nanoseconds latency) { dispatch_latency_.observe(latency); }
    void health_check_failed() { health_check_failures_.fetch_add(1, std::memory_order_relaxed); }
    void refresh_sent() { refreshes_.fetch_add(1, std::memory_order_relaxed); }
    void refresh_joined() { refreshes_joined_.fetch_add(1, std::memory_order_relaxed); }
    // A workflow step's attempt ended: completed or not.
    void step_attempt_ended(bool completed) {
        (completed ? step_attempts_completed_ : step_attempts_failed_).fetch_add(1, std::memory_order_relaxed);
    }
    // From a step's last dependency's end (taken in) to its own operation accepted by a worker.
    void step_to_step(std::chrono::nanoseconds latency) { step_latency_.observe(latency); }

    // A schedule's due time started a workflow (`lateness` after it) or was skipped.
    void schedule_run_started(std::chrono::nanoseconds lateness) { schedule_lateness_.observe(lateness); }
    void schedule_runs_skipped(std::uint64_t n = 1) { schedule_runs_skipped_.fetch_add(n, std::memory_order_relaxed); }

    // The counter and histogram lines of the Prometheus page.
    std::string prometheus() const;

private:
    std::atomic<std::uint64_t> health_check_failures_{0};
    std::atomic<std::uint64_t> refreshes_{0};
    std::atomic<std::uint64_t> refreshes_joined_{0};
    std::atomic<std::uint64_t> step_attempts_completed_{0};
    std::atomic<std::uint64_t> step_attempts_failed_{0};
    LatencyHistogram dispatch_latency_;
    std::atomic<std::uint64_t> schedule_runs_skipped_{0};
    LatencyHistogram step_latency_;
    LatencyHistogram schedule_lateness_;
};

}  // namespace fleet::backend
