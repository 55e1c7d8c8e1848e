#pragma once

#include "backend/registry/worker_record.hpp"
#include "common/clock.hpp"

#include <string>

// The one owner of a worker's status. AVAILABLE/BUSY/DRAINING follow from
// two things, so "busy" no longer means two things: what the worker last
// said of itself (`reported`: idle, busy or draining, from /health, a 503 or
// its registration) and how many of its slots the backend has filled.
// TEMPORARILY_UNAVAILABLE is set when it is lost and left only when it
// answers again or registers. Pure functions; time passed in.
namespace fleet::backend::worker_lifecycle {

// The status the inputs give: unavailable stays so; then draining (asked to
// by the backend, or said by the worker); then
// busy when every slot is held or the worker says it is busy; else available.
WorkerStatus decide(const WorkerRecord& worker);

// Each returns whether the status changed.
bool claimed(WorkerRecord& worker, const std::string& operation_id, SystemTime now);  // a slot filled
bool released(WorkerRecord& worker, const std::string& operation_id);                 // a slot freed
bool reported(WorkerRecord& worker, WorkerStatus said);  // Available (idle), Busy or Draining, by a 503 or /health
bool lost(WorkerRecord& worker, SystemTime now);         // unreachable or dead: TEMPORARILY_UNAVAILABLE
bool answered(WorkerRecord& worker, WorkerStatus said);  // a health check it passed: no longer unavailable
bool registered(WorkerRecord& worker);                    // a (re-)registration: a fresh start, idle
bool drain_accepted(WorkerRecord& worker);                // it agreed to drain when the backend asked: DRAINING

}  // namespace fleet::backend::worker_lifecycle
