#include "backend/metrics.hpp"

#include <sstream>

namespace fleet::backend {

void BackendMetrics::dispatched(std::chrono::nanoseconds latency) {
    dispatches_.fetch_add(1, std::memory_order_relaxed);
    latency_sum_ns_.fetch_add(static_cast<std::uint64_t>(latency.count()), std::memory_order_relaxed);
    const double seconds = std::chrono::duration<double>(latency).count();
    for (std::size_t i = 0; i < kLatencyBuckets.size(); ++i)
        if (seconds <= kLatencyBuckets[i]) buckets_[i].fetch_add(1, std::memory_order_relaxed);
}

std::string BackendMetrics::prometheus() const {
    std::ostringstream out;
    const auto count = dispatches_.load();
    out << "# HELP fleet_dispatches_total Operations handed to a worker.\n"
        << "# TYPE fleet_dispatches_total counter\n"
        << "fleet_dispatches_total " << count << "\n"
        << "# HELP fleet_health_check_failures_total Failed worker health checks.\n"
        << "# TYPE fleet_health_check_failures_total counter\n"
        << "fleet_health_check_failures_total " << health_check_failures_.load() << "\n"
        << "# HELP fleet_operation_refreshes_total Operations' views fetched from their workers.\n"
        << "# TYPE fleet_operation_refreshes_total counter\n"
        << "fleet_operation_refreshes_total " << refreshes_.load() << "\n"
        << "# HELP fleet_operation_refreshes_joined_total Questions answered by a fetch already under way.\n"
        << "# TYPE fleet_operation_refreshes_joined_total counter\n"
        << "fleet_operation_refreshes_joined_total " << refreshes_joined_.load() << "\n"
        << "# HELP fleet_dispatch_latency_seconds From a start request to the worker's acceptance.\n"
        << "# TYPE fleet_dispatch_latency_seconds histogram\n";
    for (std::size_t i = 0; i < kLatencyBuckets.size(); ++i)
        out << "fleet_dispatch_latency_seconds_bucket{le=\"" << kLatencyBuckets[i] << "\"} " << buckets_[i].load() << "\n";
    out << "fleet_dispatch_latency_seconds_bucket{le=\"+Inf\"} " << count << "\n"
        << "fleet_dispatch_latency_seconds_sum " << static_cast<double>(latency_sum_ns_.load()) / 1e9 << "\n"
        << "fleet_dispatch_latency_seconds_count " << count << "\n";
    return out.str();
}

}  // namespace fleet::backend
