#pragma once

#include "common/operation_status.hpp"
#include "worker_base/run_log.hpp"

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

// The chaos run's audit: what was acknowledged against what the backend
// holds, and what the workers' run logs say ran. Pure: everything it needs is
// passed in, so the rules are tested with tables (tests/unit/tools).
namespace fleet::chaos {

using worker::RunLogEntry;

// One request of the load and how it ended.
struct Submission {
    enum class Kind { Run, Workflow };
    enum class Outcome { Acknowledged, Unacknowledged, Refused };
    std::size_t index = 0;
    Kind kind = Kind::Run;
    Outcome outcome = Outcome::Unacknowledged;
    std::string id;      // Acknowledged: the run's operation id or the workflow id
    std::string detail;  // Unacknowledged, Refused: the last answer or error
    int tries = 0;       // HTTP requests it took (more than one: the backend was down)
    bool replayed = false;  // acknowledged by an Idempotency-Key replay of an earlier try
};

struct BackendOperation {
    std::string id;
    OperationStatus status = OperationStatus::Queued;
    std::string error_message;
    std::string worker_id;
    int attempts = 0;
};

struct BackendStep {
    std::string name;
    std::string status;
    int attempts = 0;
};

struct BackendWorkflow {
    std::string id;
    std::string status;
    bool terminal = false;
    std::string error_message;
    std::vector<BackendStep> steps;
};

// An operation as a live worker lists it at the end.
struct WorkerListing {
    std::string worker_id;
    std::string operation_id;
    OperationStatus status = OperationStatus::Pending;
};

struct AuditInput {
    std::vector<Submission> submissions;
    std::map<std::string, BackendOperation> operations;  // every operation the backend holds, by id
    std::map<std::string, BackendWorkflow> workflows;    // the acknowledged ones it holds, by id
    std::vector<RunLogEntry> run_log;                    // every line of every worker's run log
    std::vector<WorkerListing> listings;                 // live workers' lists at the end
    std::map<pid_t, std::int64_t> deaths_ms;             // worker processes that died, and when (Unix ms)
};

struct AuditReport {
    std::size_t submitted = 0;
    std::size_t acknowledged = 0;
    std::size_t unacknowledged = 0;
    std::size_t refused = 0;
    std::size_t replayed = 0;  // acknowledged only by a retried request (Idempotency-Key replay)
    std::size_t runs_acknowledged = 0;
    std::size_t workflows_acknowledged = 0;
    // Acknowledged runs by their final status in the backend.
    std::size_t completed = 0;
    std::size_t failed = 0;
    std::map<std::string, std::size_t> failed_reasons;
    std::size_t cancelled = 0;
    std::size_t still_running = 0;
    std::map<std::string, std::size_t> workflow_statuses;  // acknowledged workflows
    std::size_t workflows_still_running = 0;
    // Operations (runs and workflow attempts) the run logs show.
    std::size_t operations_started = 0;  // operation ids with at least one start line
    std::size_t retried = 0;             // started again after an earlier start ended without an end line
    std::map<std::string, std::size_t> retried_reasons;
    std::size_t retried_steps = 0;  // workflow steps that took more than one attempt (each its own operation)
    std::size_t overruled = 0;      // finished on a worker the backend had already declared lost
    std::size_t duplicates = 0;     // ran on two workers at once, or completed twice
    std::size_t lost = 0;           // acknowledged, and not in the backend
    std::size_t disagreements = 0;  // the backend's final status is not what its worker says
    std::vector<std::string> problems;  // one line per duplicate, loss or disagreement
    std::vector<std::string> notes;     // one line per retried or overruled operation (at most a few)

    bool passed() const { return duplicates == 0 && lost == 0 && disagreements == 0; }
};

// An error message with its ids and numbers taken out, so that the same cause counts once.
std::string reason_of(const std::string& error_message);

AuditReport audit(const AuditInput& input);

}  // namespace fleet::chaos
