#include "backend/metrics.hpp"

#include <sstream>

namespace fleet::backend {

void LatencyHistogram::observe(std::chrono::nanoseconds latency) {
    count_.fetch_add(1, std::memory_order_relaxed);
    sum_ns_.fetch_add(static_cast<std::uint64_t>(latency.count()), std::memory_order_relaxed);
    const double seconds = std::chrono::duration<double>(latency).count();
    for (std::size_t i = 0; i < kBuckets.size(); ++i)
        if (seconds <= kBuckets[i]) buckets_[i].fetch_add(1, std::memory_order_relaxed);
}

std::string LatencyHistogram::prometheus(std::string_view name, std::string_view help) const {
    std::ostringstream out;
    const auto count = count_.load();
    out << "# HELP " << name << " " << help << "\n# TYPE " << name << " histogram\n";
    for (std::size_t i = 0; i < kBuckets.size(); ++i)
        out << name << "_bucket{le=\"" << kBuckets[i] << "\"} " << buckets_[i].load() << "\n";
    out << name << "_bucket{le=\"+Inf\"} " << count << "\n"
        << name << "_sum " << static_cast<double>(sum_ns_.load()) / 1e9 << "\n"
        << name << "_count " << count << "\n";
    return out.str();
}

std::string BackendMetrics::prometheus() const {
    std::ostringstream out;
    out << "# HELP fleet_dispatches_total Operations handed to a worker.\n"
        << "# TYPE fleet_dispatches_total counter\n"
        << "fleet_dispatches_total " << dispatch_latency_.count() << "\n"
        << "# HELP fleet_health_check_failures_total Failed worker health checks.\n"
        << "# TYPE fleet_health_check_failures_total counter\n"
        << "fleet_health_check_failures_total " << health_check_failures_.load() << "\n"
        << "# HELP fleet_operation_refreshes_total Operations' views fetched from their workers.\n"
        << "# TYPE fleet_operation_refreshes_total counter\n"
        << "fleet_operation_refreshes_total " << refreshes_.load() << "\n"
        << "# HELP fleet_operation_refreshes_joined_total Questions answered by a fetch already under way.\n"
        << "# TYPE fleet_operation_refreshes_joined_total counter\n"
        << "fleet_operation_refreshes_joined_total " << refreshes_joined_.load() << "\n"
        << dispatch_latency_.prometheus("fleet_dispatch_latency_seconds",
                                        "From a start request to the worker's acceptance.")
        << "# HELP fleet_workflow_step_attempts_total Workflow step attempts that ended, by outcome.\n"
        << "# TYPE fleet_workflow_step_attempts_total counter\n"
        << "fleet_workflow_step_attempts_total{outcome=\"completed\"} " << step_attempts_completed_.load() << "\n"
        << "fleet_workflow_step_attempts_total{outcome=\"failed\"} " << step_attempts_failed_.load() << "\n"
        << step_latency_.prometheus("fleet_workflow_step_latency_seconds",
                                    "From a step's last dependency ending to its own operation accepted by a worker.")
        << "# HELP fleet_schedule_runs_total Schedules' due times, by outcome.\n"
        << "# TYPE fleet_schedule_runs_total counter\n"
        << "fleet_schedule_runs_total{outcome=\"started\"} " << schedule_lateness_.count() << "\n"
        << "fleet_schedule_runs_total{outcome=\"skipped\"} " << schedule_runs_skipped_.load() << "\n"
        << schedule_lateness_.prometheus("fleet_schedule_lateness_seconds",
                                         "From a schedule's due time to the workflow it started.");
    return out.str();
}

}  // namespace fleet::backend
