#pragma once

#include "backend/operations/operation_record.hpp"
#include "backend/registry/worker_record.hpp"

#include <boost/json/object.hpp>

#include <string>

// The JSON edge of the backend: the only place records become JSON.
namespace fleet::backend {

boost::json::object to_json(const WorkerRecord& worker);
// The worker's operation shape plus worker_id, domain, priority, attempts.
boost::json::object to_json(const OperationRecord& operation);

// The whole GET answer of an operation, serialized: `{"success": true, "data": ...}`.
std::string finished_answer(const OperationRecord& operation);

// Takes what a worker reports of an operation (its GET answer's `data`, or a
// completion notice) into the record: status, progress, result, error, times.
void apply_worker_view(OperationRecord& operation, const boost::json::object& view);

}  // namespace fleet::backend
