#pragma once

#include "backend/registry/worker_record.hpp"

#include <functional>
#include <optional>
#include <string>

namespace fleet::backend {

class Registry;
class WorkerClient;

// What became of a request to drain a worker.
struct DrainResult {
    enum class Kind {
        Draining,     // the worker agreed: it takes no new work, finishes what it runs, leaves
        NotFound,     // no such worker
        NotDrainable, // already draining or unreachable: nothing was asked
        Unreachable,  // the worker could not be reached or refused (its status is unchanged)
        TimedOut,     // the worker did not answer in time (its status is unchanged)
    };
    Kind kind;
    std::optional<WorkerRecord> worker;  // as it stands after the request (as it stood, for NotDrainable)
    std::string why;                     // Unreachable/TimedOut: what went wrong
};

// Drains a worker from the backend: asks the worker to start its graceful
// drain (POST /api/v1/drain, the same as SIGTERM), and once it agreed marks
// it DRAINING through worker_lifecycle, so no new work goes to it. Runs on
// the core thread; WorkerClient answers there.
class WorkerDrain {
public:
    WorkerDrain(Registry& registry, WorkerClient& workers);

    void drain(const std::string& worker_id, std::function<void(DrainResult)> done);

private:
    Registry& registry_;
    WorkerClient& workers_;
};

}  // namespace fleet::backend
