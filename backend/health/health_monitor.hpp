#pragma once

#include "backend/core/core_timers.hpp"
#include "backend/core_context.hpp"
#include "backend/health/health_policy.hpp"

#include <string>

namespace fleet::backend {

class ConnectionWatch;
class Dispatcher;
class HealthProber;
class OperationProxy;
struct ProbeResult;

// Every health interval, probes every registered worker (through the
// prober, on the I/O threads) and applies the results on the core thread; a
// worker whose connection dies is handled the moment the watch reports it.
class HealthMonitor {
public:
    HealthMonitor(CoreContext& context, CoreTimers& timers, Dispatcher& dispatcher, OperationProxy& proxy,
                  HealthProber& prober, ConnectionWatch& watch);

    // Starts with a sweep at once (after a restart every worker is checked straight away).
    void start();
    void stop();
    // The watch saw the connection to a worker die (any thread).
    void connection_lost(const std::string& worker_id, const std::string& detail);

private:
    void sweep();
    void apply(const ProbeResult& result);
    void after_sweep();

    CoreContext& context_;
    CoreTimers& timers_;
    Dispatcher& dispatcher_;
    OperationProxy& proxy_;
    HealthProber& prober_;
    ConnectionWatch& watch_;
    HealthSettings settings_;
    TimerId next_sweep_ = 0;
    bool sweeping_ = false;
    bool stopped_ = false;
};

}  // namespace fleet::backend
