#include "backend/health/health_monitor.hpp"

#include "backend/dispatch/dispatcher.hpp"
#include "backend/health/connection_watch.hpp"
#include "backend/health/health_prober.hpp"
#include "backend/operations/operation_proxy.hpp"
#include "common/log.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include <algorithm>
#include <tuple>

namespace fleet::backend {

HealthMonitor::HealthMonitor(CoreContext& context, CoreTimers& timers, Dispatcher& dispatcher, OperationProxy& proxy,
                             HealthProber& prober, ConnectionWatch& watch)
    : context_(context),
      timers_(timers),
      dispatcher_(dispatcher),
      proxy_(proxy),
      prober_(prober),
      watch_(watch),
      settings_{context.config.failure_threshold, context.config.remove_after} {}

void HealthMonitor::start() {
    boost::asio::post(context_.core, [this] { sweep(); });
}

void HealthMonitor::stop() {
    boost::asio::post(context_.core, [this] {
        stopped_ = true;
        timers_.cancel(next_sweep_);
    });
}

void HealthMonitor::sweep() {
    if (stopped_) return;
    next_sweep_ = timers_.after(context_.config.health_interval, [this] { sweep(); });
    if (sweeping_) return;  // the last sweep is still out: never stack them
    std::vector<ProbeTarget> targets;
    for (const auto* worker : context_.registry.list({})) targets.push_back({worker->worker_id, worker->endpoint_url});
    if (targets.empty()) return after_sweep();
    sweeping_ = true;
    // Spread the probes over part of the interval so a large fleet is not hit at one instant.
    const auto spread = std::min<std::chrono::milliseconds>(context_.config.health_interval / 4, std::chrono::seconds(1));
    auto& core = context_.core;
    prober_.sweep(
        std::move(targets), spread,
        [this, &core](ProbeResult result) {
            boost::asio::post(core, [this, result = std::move(result)] { apply(result); });
        },
        [this, &core] { boost::asio::post(core, [this] { after_sweep(); }); });
}

void HealthMonitor::apply(const ProbeResult& result) {
    WorkerRecord* worker = context_.registry.find(result.worker_id);
    if (!worker) return;
    const auto previous = std::make_tuple(worker->status, worker->health_check_failures, worker->unavailable_since);
    const auto current = std::tie(worker->status, worker->health_check_failures, worker->unavailable_since);
    const auto transition = apply_probe(*worker, result, context_.clock.now(), settings_);
    if (result.outcome != ProbeOutcome::Healthy) context_.metrics.health_check_failed();
    // A routine success changes only last_health_check: no write for that.
    if (current != previous) context_.registry.save(*worker);
    const std::string worker_id = worker->worker_id;
    switch (transition) {
        case HealthTransition::BecameUnavailable:
            dispatcher_.worker_lost(worker_id, result.detail);
            return;
        case HealthTransition::Recovered:
            log::info("worker ", worker_id, " answers again");
            context_.watch(worker_id, worker->endpoint_url);
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
    const auto now = context_.clock.now();
    std::vector<std::string> expired;
    for (const auto* worker : context_.registry.list({}))
        if (check_removal(*worker, now, settings_) == HealthTransition::Remove) expired.push_back(worker->worker_id);
    for (const auto& id : expired) {
        log::warn("worker ", id, " unavailable for too long: removed from the registry");
        context_.unwatch(id);
        context_.registry.remove(id);
    }
}

void HealthMonitor::connection_lost(const std::string& worker_id, const std::string& detail) {
    boost::asio::post(context_.core, [this, worker_id, detail] {
        ProbeResult result;
        result.worker_id = worker_id;
        result.outcome = ProbeOutcome::DefiniteFailure;
        result.detail = "connection lost: " + detail;
        apply(result);
    });
}

}  // namespace fleet::backend
