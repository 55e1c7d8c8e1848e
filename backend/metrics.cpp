#include "backend/metrics.hpp"

#include <algorithm>
#include <sstream>

namespace fleet::backend {

namespace {

void append_number(std::string& out, double value) {
    std::ostringstream text;
    text << value;
    out += text.str();
}

// `{labels}` or `{labels,extra}` or nothing.
void append_labels(std::string& out, std::string_view labels, std::string_view extra = {}) {
    if (labels.empty() && extra.empty()) return;
    out += '{';
    out += labels;
    if (!labels.empty() && !extra.empty()) out += ',';
    out += extra;
    out += '}';
}

void append_header(std::string& out, std::string_view name, std::string_view help, std::string_view type) {
    out += "# HELP ";
    out += name;
    out += ' ';
    out += help;
    out += "\n# TYPE ";
    out += name;
    out += ' ';
    out += type;
    out += '\n';
}

}  // namespace

LatencyHistogram::LatencyHistogram(std::span<const double> bounds)
    : bounds_(bounds), buckets_(std::make_unique<std::atomic<std::uint64_t>[]>(bounds.size())) {}

void LatencyHistogram::observe(std::chrono::nanoseconds latency) {
    count_.fetch_add(1, std::memory_order_relaxed);
    sum_ns_.fetch_add(static_cast<std::uint64_t>(std::max<std::int64_t>(latency.count(), 0)), std::memory_order_relaxed);
    const double seconds = std::chrono::duration<double>(latency).count();
    for (std::size_t i = 0; i < bounds_.size(); ++i)
        if (seconds <= bounds_[i]) buckets_[i].fetch_add(1, std::memory_order_relaxed);
}

void LatencyHistogram::append_series(std::string& out, std::string_view name, std::string_view labels) const {
    const auto count = count_.load();
    for (std::size_t i = 0; i < bounds_.size(); ++i) {
        out += name;
        out += "_bucket";
        std::string le = "le=\"";
        append_number(le, bounds_[i]);
        le += '"';
        append_labels(out, labels, le);
        out += ' ';
        out += std::to_string(buckets_[i].load());
        out += '\n';
    }
    out += name;
    out += "_bucket";
    append_labels(out, labels, "le=\"+Inf\"");
    out += ' ' + std::to_string(count) + '\n';
    out += name;
    out += "_sum";
    append_labels(out, labels);
    out += ' ';
    append_number(out, static_cast<double>(sum_ns_.load()) / 1e9);
    out += '\n';
    out += name;
    out += "_count";
    append_labels(out, labels);
    out += ' ' + std::to_string(count) + '\n';
}

std::string LatencyHistogram::prometheus(std::string_view name, std::string_view help) const {
    std::string out;
    append_header(out, name, help, "histogram");
    append_series(out, name, {});
    return out;
}

DomainMetrics::Series& DomainMetrics::series(const std::string& domain) {
    return domains_.try_emplace(domain).first->second;
}

void DomainMetrics::dispatched(const std::string& domain, std::chrono::nanoseconds queue_wait) {
    std::lock_guard lock(mutex_);
    auto& series = this->series(domain);
    ++series.dispatched;
    series.queue_wait.observe(queue_wait);
}

void DomainMetrics::finished(const std::string& domain, OperationStatus status,
                             std::optional<std::chrono::nanoseconds> run) {
    std::lock_guard lock(mutex_);
    auto& series = this->series(domain);
    ++series.finished[status];
    if (run) series.run.observe(*run);
}

std::string DomainMetrics::prometheus(const std::map<std::string, std::size_t>& queue_depths) const {
    std::lock_guard lock(mutex_);
    std::map<std::string, const Series*> all;
    static const Series kNone;
    for (const auto& [domain, depth] : queue_depths) all[domain] = &kNone;
    for (const auto& [domain, series] : domains_) all[domain] = &series;
    auto label = [](const std::string& domain) { return "domain=\"" + domain + "\""; };

    std::string out;
    append_header(out, "fleet_queue_depth", "Operations waiting for a worker, by domain.", "gauge");
    for (const auto& [domain, series] : all) {
        const auto depth = queue_depths.find(domain);
        out += "fleet_queue_depth{" + label(domain) + "} " +
               std::to_string(depth == queue_depths.end() ? 0 : depth->second) + "\n";
    }
    append_header(out, "fleet_operations_dispatched_total", "Operations a worker accepted, by domain.", "counter");
    for (const auto& [domain, series] : all)
        out += "fleet_operations_dispatched_total{" + label(domain) + "} " + std::to_string(series->dispatched) + "\n";
    append_header(out, "fleet_operations_finished_total", "Operations that ended, by domain and final status.",
                  "counter");
    for (const auto& [domain, series] : all) {
        for (const auto status : {OperationStatus::Completed, OperationStatus::Failed, OperationStatus::Cancelled}) {
            const auto it = series->finished.find(status);
            out += "fleet_operations_finished_total{" + label(domain) + ",status=\"" + std::string(to_string(status)) +
                   "\"} " + std::to_string(it == series->finished.end() ? 0 : it->second) + "\n";
        }
    }
    append_header(out, "fleet_operation_queue_wait_seconds",
                  "From an operation's creation to a worker accepting it, by domain.", "histogram");
    for (const auto& [domain, series] : all) series->queue_wait.append_series(out, "fleet_operation_queue_wait_seconds", label(domain));
    append_header(out, "fleet_operation_run_seconds", "From an operation's start on a worker to its end, by domain.",
                  "histogram");
    for (const auto& [domain, series] : all) series->run.append_series(out, "fleet_operation_run_seconds", label(domain));
    return out;
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
