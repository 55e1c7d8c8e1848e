#pragma once

#include "backend/workflows/workflow_definition.hpp"
#include "common/clock.hpp"

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fleet::backend::workflows {

enum class WorkflowStatus { Pending, Running, Paused, Completed, Failed, Cancelled, Recovering };
// `Queued` is never stored: a running step whose operation waits for a worker is shown so.
enum class StepStatus { Pending, Queued, Running, Waiting, Retrying, Completed, Failed, Skipped, Cancelled };

std::string_view to_string(WorkflowStatus status);
std::optional<WorkflowStatus> parse_workflow_status(std::string_view text);
bool is_terminal(WorkflowStatus status);
std::string_view to_string(StepStatus status);
std::optional<StepStatus> parse_step_status(std::string_view text);

// Where one step of a run stands.
struct StepState {
    StepStatus status = StepStatus::Pending;
    int attempts = 0;         // attempts ever made: attempt n's operation is attempt_operation_id(.., n)
    int failed_attempts = 0;  // failed since the step last started afresh: what max_retries limits
    std::string operation_id; // the latest attempt's
    bool live = false;        // the latest attempt's operation has not ended
    bool stopping = false;    // it was told to stop (a timeout, the workflow ended)
    bool timed_out = false;   // ... because it ran past the step's timeout
    boost::json::value result;
    std::string error_message;
    std::optional<SystemTime> started_at;      // the latest attempt's start, or when the signal step began to wait
    std::optional<SystemTime> completed_at;
    std::optional<SystemTime> next_attempt_at; // retrying: when the next attempt starts
    std::optional<SystemTime> deadline;        // the attempt's or the wait's timeout
};

// A signal as it arrived; `step` is the step it completed, empty while buffered.
struct SignalRecord {
    std::string name;
    boost::json::value payload;
    std::string idempotency_key;
    SystemTime received_at{};
    std::string step;
};

// One workflow's run: the definition it was submitted with and where every
// step stands. Only decide() changes it.
struct WorkflowState {
    std::string workflow_id;
    std::shared_ptr<const WorkflowDefinition> definition;
    WorkflowStatus status = WorkflowStatus::Pending;
    std::vector<StepState> steps;  // parallel to definition->steps
    std::vector<SignalRecord> signals;
    int recovery_attempts = 0;
    std::optional<std::size_t> recovering_from;  // recovering: the step whose completion ends it
    std::string error_message;
    std::optional<std::size_t> failed_step;  // the step that failed the workflow
    std::string schedule_id;
    std::optional<SystemTime> scheduled_for;
    SystemTime created_at{};
    SystemTime updated_at{};
    std::optional<SystemTime> started_at;
    std::optional<SystemTime> completed_at;
    std::optional<SystemTime> deadline;  // the workflow's timeout

    // Ended, and no attempt of it still stopping: nothing will change it but a recover.
    bool settled() const;
    bool any_live() const;
};

// A new run of `definition`, every step pending.
WorkflowState new_workflow(std::string workflow_id, std::shared_ptr<const WorkflowDefinition> definition,
                           SystemTime now);

// The id of attempt `attempt` (1, 2, ...) of a step: `<workflow_id>.<step>.a<attempt>`.
std::string attempt_operation_id(std::string_view workflow_id, std::string_view step, int attempt);
struct AttemptOf {
    std::string workflow_id;
    std::string step;
    int attempt = 0;
};
// The attempt an operation id names, if it names one.
std::optional<AttemptOf> attempt_of(std::string_view operation_id);

// How the state is stored (everything but the definition, which is stored once).
boost::json::object to_json(const WorkflowState& state);
// Back from what to_json wrote; throws std::runtime_error for what it did not write.
WorkflowState state_from_json(std::string workflow_id, std::shared_ptr<const WorkflowDefinition> definition,
                              const boost::json::object& stored);

}  // namespace fleet::backend::workflows
