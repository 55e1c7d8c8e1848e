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

}  // namespace fleet::backend
