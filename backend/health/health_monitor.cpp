#include "backend/health/health_monitor.hpp"

#include "backend/core/core_executor.hpp"
#include "backend/dispatch/dispatcher.hpp"
#include "backend/health/health_prober.hpp"
#include "backend/health/worker_watch.hpp"
#include "backend/metrics.hpp"
#include "backend/operations/operation_proxy.hpp"
#include "backend/registry/registry.hpp"
#include "common/log.hpp"

#include <algorithm>
#include <tuple>

namespace fleet::backend {

HealthMonitor::HealthMonitor(CoreExecutor& core, CoreTimers& timers, Registry& registry, Dispatcher& dispatcher,
                             OperationProxy& proxy, HealthProber& prober, WorkerWatch& watch, BackendMetrics& metrics,
                             const Clock& clock, std::chrono::milliseconds interval, HealthSettings settings)
    : core_(core),
      timers_(timers),
      registry_(registry),
      dispatcher_(dispatcher),
      proxy_(proxy),
      prober_(prober),
      watch_(watch),
      metrics_(metrics),
      clock_(clock),
      interval_(interval),
      settings_(settings) {}

void HealthMonitor::start() {
    core_.post([this] { sweep(); });
}

void HealthMonitor::stop() {
    core_.post([this] {
        stopped_ = true;
        timers_.cancel(next_sweep_);
    });
}

void HealthMonitor::sweep() {
    if (stopped_) return;
    next_sweep_ = timers_.after(interval_, [this] { sweep(); });
    if (sweeping_) return;  // the last sweep is still out: never stack them
    std::vector<ProbeTarget> targets;
    for (const auto* worker : registry_.list({})) targets.push_back({worker->worker_id, worker->endpoint_url});
    if (targets.empty()) return after_sweep();
    sweeping_ = true;
    // Spread the probes over part of the interval so a large fleet is not hit at one instant.
    const auto spread = std::min<std::chrono::milliseconds>(interval_ / 4, std::chrono::seconds(1));
    prober_.sweep(
        std::move(targets), spread,
        [this](ProbeResult result) { core_.post([this, result = std::move(result)] { apply(result); }); },
        [this] { core_.post([this] { after_sweep(); }); });
}

void HealthMonitor::apply(const ProbeResult& result) {
    WorkerRecord* worker = registry_.find(result.worker_id);
    if (!worker) return;
    const auto previous = std::make_tuple(worker->status, worker->health_check_failures, worker->unavailable_since);
    const auto current = std::tie(worker->status, worker->health_check_failures, worker->unavailable_since);
    const auto transition = apply_probe(*worker, result, clock_.now(), settings_);
    if (result.outcome != ProbeOutcome::Healthy) metrics_.health_check_failed();
    // A routine success changes only last_health_check: no write for that.
    if (current != previous) registry_.save(*worker);
    registry_.announce(*worker);
    const std::string worker_id = worker->worker_id;
    switch (transition) {
        case HealthTransition::BecameUnavailable:
            dispatcher_.worker_lost(worker_id, result.detail);
            return;
        case HealthTransition::Recovered:
            log::info("worker ", worker_id, " answers again");
            watch_.watch(worker_id, worker->endpoint_url);
            break;
        case HealthTransition::None:
        case HealthTransition::Remove:
            break;
    }
    if (result.outcome != ProbeOutcome::Healthy) return;
    // Work the backend thinks it has and it does not report: ask what became of it.
    for (const auto& id : std::vector<std::string>(worker->operations)) {
        const auto& reported = result.current_operations;
        if (std::find(reported.begin(), reported.end(), id) == reported.end()) proxy_.refresh(id, {});
    }
    if (result.worker_status == "idle") dispatcher_.pump(worker->domain);
}

void HealthMonitor::after_sweep() {
    sweeping_ = false;
    const auto now = clock_.now();
    std::vector<std::string> expired;
    for (const auto* worker : registry_.list({}))
        if (check_removal(*worker, now, settings_) == HealthTransition::Remove) expired.push_back(worker->worker_id);
    for (const auto& id : expired) {
        log::warn("worker ", id, " unavailable for too long: removed from the registry");
        watch_.unwatch(id);
        registry_.remove(id);
    }
}

void HealthMonitor::connection_lost(const std::string& worker_id, const std::string& detail) {
    core_.post([this, worker_id, detail] {
        ProbeResult result;
        result.worker_id = worker_id;
        result.outcome = ProbeOutcome::DefiniteFailure;
        result.detail = "connection lost: " + detail;
        apply(result);
    });
}

}  // namespace fleet::backend
