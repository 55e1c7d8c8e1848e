#pragma once

#include "backend/core/timer_queue.hpp"
#include "backend/workflows/decide.hpp"
#include "backend/workflows/workflow_state.hpp"
#include "backend/storage/workflow_repository.hpp"
#include "backend/storage/write_behind.hpp"
#include "common/clock.hpp"
#include "common/operation_status.hpp"

#include <boost/json/value.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace fleet::backend {

class BackendMetrics;
class CoreExecutor;
class CoreTimers;
class Database;
class Dispatcher;
class EventBus;
class OperationBook;
class OperationProxy;
struct OperationRecord;

// A workflow as it is shown: its state, with what its live attempts' operations say.
struct WorkflowView {
    workflows::WorkflowState state;
    std::vector<workflows::StepStatus> step_status;  // as shown: `queued` while the attempt waits for a worker
    int progress = 0;                                 // 0-100
};

// What became of a signal, in the engine's words; backend/api turns it into HTTP.
struct SignalOutcome {
    enum class Kind { Delivered, Buffered, Repeated, UnknownWorkflow, UnknownSignal, Ended };
    Kind kind = Kind::Buffered;
    std::string step;  // Delivered, Repeated: the step it completed (empty: buffered)
    std::string message;
};

enum class ControlAction { Pause, Resume, Cancel, Recover };
struct ControlOutcome {
    enum class Kind { Done, UnknownWorkflow, Refused, UnknownStep };
    Kind kind = Kind::Done;
    std::optional<WorkflowView> workflow;
    std::vector<std::string> reset_steps;  // Recover
    std::string message;
};

// The workflow engine's executor: the thin shell around decide(). Runs on the
// core thread. Each event (an operation ended, a timer, a signal, an API call)
// is one decide() on the workflow's state; the state is written in the core's
// group commit, in the same transaction as the operations its commands create,
// and nothing reaches a worker before that commit: the dispatcher sends starts
// after the commit, and cancels are posted behind it. Workflows that are not
// settled live in memory; settled ones are read from the store.
class WorkflowEngine {
public:
    WorkflowEngine(Dispatcher& dispatcher, OperationProxy& proxy, OperationBook& operations,
                   WorkflowRepository& workflows, Database& database, EventBus& events, CoreExecutor& core,
                   CoreTimers& timers, BackendMetrics& metrics, const Clock& clock);
    ~WorkflowEngine();
    WorkflowEngine(const WorkflowEngine&) = delete;
    WorkflowEngine& operator=(const WorkflowEngine&) = delete;

    // At start-up, after the operations are loaded: the workflows not settled.
    void load();
    // Then, on the core thread once the dispatcher has resent what it had: each
    // live attempt reconciled with its operation, the timers armed again, and
    // whatever is ready started.
    void resume_all();

    // A new workflow of `definition`, started at once. Returns its id.
    std::string submit(std::shared_ptr<const workflows::WorkflowDefinition> definition,
                       std::string schedule_id = {}, std::optional<SystemTime> scheduled_for = std::nullopt);
    SignalOutcome signal(const std::string& workflow_id, const std::string& name, boost::json::value payload,
                         const std::string& idempotency_key);
    ControlOutcome control(const std::string& workflow_id, ControlAction action,
                           std::optional<std::string> from_step = std::nullopt);

    // Not ended (cheap: from memory).
    bool is_active(const std::string& workflow_id) const;
    // The status of a workflow just submitted (in memory until it settles).
    workflows::WorkflowStatus status_of(const std::string& workflow_id) const;
    // The workflow as memory or the store holds it.
    std::optional<WorkflowView> find(const std::string& workflow_id);
    // The same, its running attempts first refreshed from their workers when
    // their views are older than the cache TTL (progress as the workers see it).
    void get(const std::string& workflow_id, std::function<void(std::optional<WorkflowView>)> done);
    struct Page {
        std::vector<WorkflowView> workflows;
        std::size_t total = 0;
    };
    // Read once everything acknowledged so far is committed.
    void list(const WorkflowQuery& query, std::function<void(Page)> done);

    // The workflow lines of the Prometheus page (as committed).
    std::string prometheus();

private:
    struct Entry {
        workflows::WorkflowState state;
        workflows::WorkflowStatus saved_status;  // as the store has it (or will, at the next commit)
        bool saved_settled = false;              // ... and whether it was settled then (its `active` column)
        bool stored = false;                     // its row exists (or is written at the next commit)
        std::vector<TimerId> timers;             // armed for it: cancelled when it leaves memory
    };

    Entry* entry_of(const std::string& workflow_id);
    // One event into one workflow: decide, then the change to the store and the commands carried out.
    workflows::Decision handle(Entry& entry, const workflows::WorkflowEvent& event);
    void carry_out(Entry& entry, workflows::Command command, std::chrono::steady_clock::time_point began,
                   bool step_to_step);
    void arm(const std::string& workflow_id, const workflows::ArmTimer& timer);
    // Settled: out of memory once its last change is committed.
    void evict_when_written(const std::string& workflow_id);
    // Its row as memory holds it (WriteBehind, at the group commit).
    void write(const std::string& workflow_id);
    void on_operation_ended(const OperationRecord& operation);
    WorkflowView view_of(workflows::WorkflowState state);

    Dispatcher& dispatcher_;
    EventBus& events_;
    OperationProxy& proxy_;
    OperationBook& operations_;
    WorkflowRepository& repository_;
    CoreExecutor& core_;
    CoreTimers& timers_;
    BackendMetrics& metrics_;
    const Clock& clock_;
    std::unordered_map<std::string, Entry> active_;  // not settled (and settled ones until their commit)
    WriteBehind written_;  // last: it writes entries as it goes
};

}  // namespace fleet::backend
