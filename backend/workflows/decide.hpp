#pragma once

#include "backend/workflows/workflow_state.hpp"
#include "common/clock.hpp"
#include "common/operation_status.hpp"

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace fleet::backend::workflows {

// What can happen to a workflow. Every change of a workflow is one of these,
// taken by decide().

// Start whatever is ready (a new workflow; after loading one at start-up).
struct Advance {};
// An attempt's operation ended, as the backend took it in.
struct AttemptEnded {
    std::string operation_id;
    OperationStatus status = OperationStatus::Failed;  // completed, failed or cancelled
    boost::json::value result;
    std::string error_message;
    bool worker_lost = false;  // it failed because its worker was lost (ambiguous: it may have run)
};
// An attempt could not be started at all (no worker serves the domain): no operation exists.
struct StartRefused {
    std::string operation_id;
    std::string why;
};
struct Timer {
    enum class Kind { Retry, AttemptTimeout, SignalTimeout, WorkflowTimeout };
    Kind kind = Kind::Retry;
    std::size_t step = 0;  // not for WorkflowTimeout
    int attempt = 0;       // Retry: the attempt to start; AttemptTimeout: the attempt to stop
    bool operator==(const Timer&) const = default;
};
struct TimerFired {
    Timer timer;
};
struct SignalReceived {
    std::string name;
    boost::json::value payload;
    std::string idempotency_key;  // empty: none
};
struct Pause {};
struct Resume {};
struct Cancel {};
struct Recover {
    std::optional<std::string> from_step;
};

using WorkflowEvent =
    std::variant<Advance, AttemptEnded, StartRefused, TimerFired, SignalReceived, Pause, Resume, Cancel, Recover>;

// What the executor carries out once the change is committed.
struct StartAttempt {
    std::size_t step = 0;
    std::string operation_id;
    boost::json::object parameters;  // templates resolved
};
struct CancelAttempt {
    std::string operation_id;
};
struct ArmTimer {
    Timer timer;
    SystemTime due{};
};
// The workflow reached completed, failed or cancelled.
struct WorkflowEnded {
    WorkflowStatus status = WorkflowStatus::Completed;
};
using Command = std::variant<StartAttempt, CancelAttempt, ArmTimer, WorkflowEnded>;

struct Decision {
    enum class Verdict {
        Applied,   // the state may have changed (`changed`) and `commands` are to be carried out
        Ignored,   // nothing to do: a late answer, a timer for what moved on, a repeated signal
        Refused,   // the action is not allowed now (409): `message`
        NotFound,  // a signal no step waits for, a recover from an unknown step: `message`
    };
    Verdict verdict = Verdict::Ignored;
    bool changed = false;
    std::vector<Command> commands;
    std::string message;
    // SignalReceived: the step it completed (empty: buffered, or a repeat).
    std::string delivered_to;
    // Recover: the steps that run again.
    std::vector<std::string> reset_steps;
};

// The engine's one rule book: takes `event` into `state` (changing it in
// place) at `now`, and says what must follow. Pure: no I/O, no clock.
Decision decide(WorkflowState& state, const WorkflowEvent& event, SystemTime now);

// The timers `state` needs armed (after loading it): each with its due time.
std::vector<ArmTimer> timers_of(const WorkflowState& state);

// The delay before attempt `failed + 1` of a step whose `failed`-th attempt just failed.
std::chrono::milliseconds backoff(const StepDefinition& step, int failed);

}  // namespace fleet::backend::workflows
