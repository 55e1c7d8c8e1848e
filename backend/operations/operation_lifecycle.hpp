#pragma once

#include "backend/operations/operation_record.hpp"
#include "backend/registry/worker_record.hpp"
#include "common/clock.hpp"
#include "common/operation_status.hpp"

#include <boost/json/object.hpp>

#include <array>
#include <optional>
#include <string>
#include <string_view>

// The one owner of an operation's status: every change of it is one of the
// events below, each a pure function of the record (time passed in).
namespace fleet::backend::lifecycle {

// What an event did to an operation.
enum class Outcome {
    Applied,    // the status moved
    Unchanged,  // the status stayed; what else the event carries (progress, worker, ...) was taken in
    Refused,    // an illegal move: nothing of it was applied; the caller logs it
};

struct Move {
    Outcome outcome;
    OperationStatus from;
    OperationStatus to;  // asked for (a refused move did not happen)
    bool refused() const { return outcome == Outcome::Refused; }
};

std::string_view to_string(Outcome outcome);

inline constexpr std::array kStatuses{OperationStatus::Queued,    OperationStatus::Pending, OperationStatus::Running,
                                      OperationStatus::Completed, OperationStatus::Failed,  OperationStatus::Cancelled};

// The table of allowed moves. An unfinished operation may stay as it is or
// move anywhere the events below take it; a finished one never moves again.
bool allowed(OperationStatus from, OperationStatus to);
// The table as Markdown (rows: from, columns: to), as in proto_docs/operation-lifecycle.md.
std::string table();

// The events. Each checks the table and its own starting statuses, and on
// refusal leaves the record exactly as it was.

// Queued → pending on `worker`: the worker fields are set and the attempt counted.
Move claim(OperationRecord& operation, const WorkerRecord& worker);
// The worker took the start: pending → running, started_at. Already running: unchanged.
Move started(OperationRecord& operation, SystemTime now);
// A start the worker did not take: pending or running → queued, as if never tried
// (the attempt is not counted, the worker fields are cleared).
Move undo_claim(OperationRecord& operation);
// Into the queue: pending or running → queued, worker fields cleared, attempts kept.
// Already queued: unchanged.
Move requeue(OperationRecord& operation);
// Reported ended on `worker` without its result, which follows: a requeued
// operation is taken back by that worker (queued → running, so it never runs
// twice); a pending or running one stays as it is. Either way it is held by
// that worker's current instance.
Move await_result(OperationRecord& operation, const WorkerRecord& worker);
// Ended here (cancelled, or failed because its worker's answers cannot be
// read): a terminal `status`, error, completed_at; started_at, if it never
// had one, is the end.
Move finish(OperationRecord& operation, OperationStatus status, std::string error, SystemTime now);
// Failed by the backend (the worker refused its parameters, or too many
// workers were lost running it): error, completed_at; started_at as it was.
Move fail(OperationRecord& operation, std::string error, SystemTime now);
// The worker's report (its GET answer's `data`, or a notice): status (a
// "queued" or unknown one is ignored), progress, result, error. A queued
// (requeued) operation only takes a final report. Ending sets completed_at
// and, if it never had one, started_at (a completion may overtake the
// start's answer). The second form moves the progress and result out of a view given up.
Move apply_worker_view(OperationRecord& operation, const boost::json::object& view, SystemTime now);
Move apply_worker_view(OperationRecord& operation, boost::json::object&& view, SystemTime now);
// Whether a worker's view brings well-formed progress (which apply_worker_view takes in unless it
// refuses the move); progress that is not (progress_problem) is left out.
bool carries_progress(const boost::json::object& view);
// Why a worker's `progress` cannot be taken, or nothing: `percentage` must be a number
// from 0 to 100, `current_step` a string, `estimated_remaining_seconds` a number or null
// (each may be absent; other fields are the engine's own and go through as they are).
std::optional<std::string> progress_problem(const boost::json::object& progress);

// Logs a refused move at WARN (operation id, event, from, to); returns `move`.
Move logged(const OperationRecord& operation, std::string_view event, Move move);

}  // namespace fleet::backend::lifecycle
