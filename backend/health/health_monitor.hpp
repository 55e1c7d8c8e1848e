#pragma once

#include "backend/core/core_timers.hpp"
#include "backend/health/health_policy.hpp"
#include "common/clock.hpp"

#include <chrono>

#include <string>

namespace fleet::backend {

class BackendMetrics;
class CoreExecutor;
class Dispatcher;
class HealthProber;
class OperationProxy;
class Registry;
class WorkerWatch;
struct ProbeResult;

// Every health interval, probes every registered worker (through the
// prober, on the I/O threads) and applies the results on the core thread; a
// worker whose connection dies is handled the moment the watch reports it.
class HealthMonitor {
public:
    // Sweeps every `interval`; `settings` say when a worker is lost, and when removed.
    HealthMonitor(CoreExecutor& core, CoreTimers& timers, Registry& registry, Dispatcher& dispatcher,
                  OperationProxy& proxy, HealthProber& prober, WorkerWatch& watch, BackendMetrics& metrics,
                  const Clock& clock, std::chrono::milliseconds interval, HealthSettings settings);

    // Starts with a sweep at once (after a restart every worker is checked straight away).
    void start();
    void stop();
    // The watch saw the connection to a worker die (any thread).
    void connection_lost(const std::string& worker_id, const std::string& detail);

private:
    void sweep();
    void apply(const ProbeResult& result);
    void after_sweep();

    CoreExecutor& core_;
    CoreTimers& timers_;
    Registry& registry_;
    Dispatcher& dispatcher_;
    OperationProxy& proxy_;
    HealthProber& prober_;
    WorkerWatch& watch_;
    BackendMetrics& metrics_;
    const Clock& clock_;
    const std::chrono::milliseconds interval_;
    const HealthSettings settings_;
    TimerId next_sweep_ = 0;
    bool sweeping_ = false;
    bool stopped_ = false;
};

}  // namespace fleet::backend
