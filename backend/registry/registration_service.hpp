#pragma once

#include "backend/registry/registry.hpp"
#include "common/clock.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <optional>
#include <string>
#include <vector>

namespace fleet::backend {

class Dispatcher;
class OperationBook;
struct OperationRecord;
class WorkerWatch;

// A registration taken: the worker's entry and what it must stop.
struct Registered {
    std::string worker_id;
    std::string instance_id;
    WorkerStatus status = WorkerStatus::Available;
    std::vector<std::string> stop_operations;  // ended, or given to another worker meanwhile
};

// What became of a worker's report that an operation progressed or ended.
enum class ReportOutcome {
    Applied,
    NotFound,          // no such operation
    AlreadyFinal,      // it ended before: nothing changes
    IgnoredQueued,     // requeued meanwhile: only a final report is taken
    IgnoredSuperseded, // from a worker instance other than the one that holds it (fencing)
    IgnoredIllegal,    // a move the lifecycle refuses
};

// What workers say of themselves and of their operations: registration (and
// the reconciliation it carries), goodbye, and reports of operations. Fencing
// by instance id lives here. Runs on the core thread; returns plain results.
class RegistrationService {
public:
    RegistrationService(Registry& registry, OperationBook& operations, Dispatcher& dispatcher, WorkerWatch& watch,
                        const Clock& clock);

    // Nothing while the backend is shutting down (the caller answers 503).
    std::optional<Registered> register_worker(const Registration& registration);
    // False when no such worker is registered. `completed` names what it finished and the backend missed.
    bool deregister(const std::string& worker_id, const boost::json::array& completed);
    ReportOutcome report(const std::string& operation_id, boost::json::object view);

    void set_shutting_down() { shutting_down_ = true; }

private:
    // The active operation a worker's report of its end is about, if that worker may report it.
    OperationRecord* reported_by(const boost::json::object& view, const std::string& worker_id);
    // A report that the operation completed, without the result (it follows by notice).
    static bool result_follows(const boost::json::object& view);
    // Ended on `worker`, result still to come: the worker holds it until then.
    void hold_for_result(OperationRecord& operation, WorkerRecord& worker);

    Registry& registry_;
    OperationBook& operations_;
    Dispatcher& dispatcher_;
    WorkerWatch& watch_;
    const Clock& clock_;
    bool shutting_down_ = false;
};

}  // namespace fleet::backend
