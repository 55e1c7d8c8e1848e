#include "backend/registry/worker_lifecycle.hpp"

#include <algorithm>

namespace fleet::backend::worker_lifecycle {
namespace {

bool settle(WorkerRecord& worker) {
    const WorkerStatus before = worker.status;
    worker.status = decide(worker);
    return worker.status != before;
}

}  // namespace

WorkerStatus decide(const WorkerRecord& worker) {
    if (worker.status == WorkerStatus::TemporarilyUnavailable) return WorkerStatus::TemporarilyUnavailable;
    if (worker.drain_requested || worker.reported == WorkerStatus::Draining) return WorkerStatus::Draining;
    if (worker.operations.size() >= worker.max_concurrent || worker.reported == WorkerStatus::Busy)
        return WorkerStatus::Busy;
    return WorkerStatus::Available;
}

bool claimed(WorkerRecord& worker, const std::string& operation_id, SystemTime now) {
    worker.operations.push_back(operation_id);
    worker.last_dispatched_at = now;
    return settle(worker);
}

bool released(WorkerRecord& worker, const std::string& operation_id) {
    std::erase(worker.operations, operation_id);
    // A worker that said it was busy has room again once the backend frees a slot it filled.
    if (worker.reported == WorkerStatus::Busy) worker.reported = WorkerStatus::Available;
    return settle(worker);
}

bool reported(WorkerRecord& worker, WorkerStatus said) {
    worker.reported = said == WorkerStatus::TemporarilyUnavailable ? WorkerStatus::Available : said;
    return settle(worker);
}

bool lost(WorkerRecord& worker, SystemTime now) {
    if (worker.status == WorkerStatus::TemporarilyUnavailable) {
        if (!worker.unavailable_since) worker.unavailable_since = now;
        return false;
    }
    worker.status = WorkerStatus::TemporarilyUnavailable;
    worker.unavailable_since = now;
    return true;
}

bool answered(WorkerRecord& worker, WorkerStatus said) {
    const WorkerStatus before = worker.status;
    if (worker.status == WorkerStatus::TemporarilyUnavailable) worker.status = WorkerStatus::Available;
    worker.unavailable_since.reset();
    reported(worker, said);
    return worker.status != before;
}

bool registered(WorkerRecord& worker) {
    const WorkerStatus before = worker.status;
    worker.status = WorkerStatus::Available;
    worker.unavailable_since.reset();
    worker.reported = WorkerStatus::Available;
    worker.drain_requested = false;
    settle(worker);
    return worker.status != before;
}

bool drain_accepted(WorkerRecord& worker) {
    worker.drain_requested = true;
    worker.reported = WorkerStatus::Draining;
    return settle(worker);
}

}  // namespace fleet::backend::worker_lifecycle
