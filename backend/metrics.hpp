#pragma once

#include "common/operation_status.hpp"

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace fleet::backend {

// A latency histogram in seconds, updated from any thread.
class LatencyHistogram {
public:
    // For the backend's own steps (dispatch, step to step): sub-millisecond to a second.
    static constexpr std::array<double, 10> kBuckets{0.0005, 0.001, 0.0025, 0.005, 0.01,
                                                     0.025,  0.05,  0.1,    0.25,  1.0};
    // For operations, which wait and run from milliseconds to hours.
    static constexpr std::array<double, 14> kOperationBuckets{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
                                                              1.0,   2.5,  10.0,  60.0, 300.0, 1800.0, 7200.0};

    explicit LatencyHistogram(std::span<const double> bounds = kBuckets);
    void observe(std::chrono::nanoseconds latency);
    // Its Prometheus lines under `name`, with `help`.
    std::string prometheus(std::string_view name, std::string_view help) const;
    // Only the bucket, sum and count lines, each with `labels` (e.g. `domain="echo"`) added.
    void append_series(std::string& out, std::string_view name, std::string_view labels) const;
    std::uint64_t count() const { return count_.load(); }

private:
    std::span<const double> bounds_;
    std::atomic<std::uint64_t> count_{0};
    std::unique_ptr<std::atomic<std::uint64_t>[]> buckets_;
    std::atomic<std::uint64_t> sum_ns_{0};
};

// Operations by domain: dispatches, ends by status, time queued and time run.
// Written on the core thread (dispatch, ends) and read by /metrics; a lock,
// uncontended, keeps that safe from any thread.
class DomainMetrics {
public:
    // A worker accepted an operation `queue_wait` after it was created.
    void dispatched(const std::string& domain, std::chrono::nanoseconds queue_wait);
    // An operation ended with `status`, after running `run` (none: it never ran).
    void finished(const std::string& domain, OperationStatus status, std::optional<std::chrono::nanoseconds> run);

    // The Prometheus families; `queue_depths` names every domain to show (with 0 when none queue).
    std::string prometheus(const std::map<std::string, std::size_t>& queue_depths) const;

private:
    struct Series {
        std::uint64_t dispatched = 0;
        std::map<OperationStatus, std::uint64_t> finished;
        LatencyHistogram queue_wait{LatencyHistogram::kOperationBuckets};
        LatencyHistogram run{LatencyHistogram::kOperationBuckets};
    };
    Series& series(const std::string& domain);  // with mutex_ held

    mutable std::mutex mutex_;
    std::map<std::string, Series> domains_;
};

// Counters the backend exposes on /metrics; updated from any thread.
class BackendMetrics {
public:
    void dispatched(std::chrono::nanoseconds latency) { dispatch_latency_.observe(latency); }
    DomainMetrics& domains() { return domains_; }
    const DomainMetrics& domains() const { return domains_; }
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
    DomainMetrics domains_;
};

}  // namespace fleet::backend
