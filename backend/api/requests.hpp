#pragma once

#include "backend/dispatch/start_request.hpp"
#include "backend/registry/registry.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <string>

// Request bodies of the backend API, validated; every failure is ApiError 400.
namespace fleet::backend {

Registration parse_registration(const boost::json::object& body);
// `completed_operations` of a registration or a goodbye: [{"operation_id", "status" (final),
// "result"?, "error_message"?, "completed_at"?}]; empty when absent.
boost::json::array parse_completed_operations(const boost::json::object& body);
// A goodbye's body (DELETE /api/v1/workers/{id}): empty, or {"completed_operations": [...]}.
boost::json::array parse_goodbye(const std::string& body);
StartRequest parse_start(std::string domain, boost::json::object body);
// A worker's report of an operation (POST /api/v1/operations/{id}/events, or one of a batch):
// any object, but its `progress`, when present, must be well formed (lifecycle::progress_problem).
void check_report(const boost::json::object& view);
// Most reports one POST /api/v1/operations/events may carry.
constexpr std::size_t kMaxReportsPerBatch = 1000;
// Its body: {"events": [report, ...]}, 1 to kMaxReportsPerBatch reports, each what
// POST /api/v1/operations/{id}/events takes, with a plain "operation_id".
boost::json::array parse_report_batch(const std::string& body);

}  // namespace fleet::backend
