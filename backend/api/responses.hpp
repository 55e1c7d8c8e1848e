#pragma once

#include "backend/dispatch/start_result.hpp"
#include "backend/operations/operation_record.hpp"
#include "backend/registry/registration_service.hpp"
#include "backend/registry/worker_drain.hpp"
#include "backend/registry/worker_record.hpp"

#include "common/http/message.hpp"

#include <boost/json/object.hpp>

#include <string>
#include <utility>
#include <vector>

// The JSON edge of the backend: the only place records become JSON.
namespace fleet::backend {

boost::json::object to_json(const WorkerRecord& worker);
// The worker's operation shape plus worker_id, domain, priority, attempts.
boost::json::object to_json(const OperationRecord& operation, boost::json::storage_ptr storage = {});

// The whole GET answer of an operation: `{"success": true, "data": ...}`.
boost::json::object operation_answer(const OperationRecord& operation, boost::json::storage_ptr storage = {});
// The same, serialized (the finished-operation cache keeps it so).
std::string finished_answer(const OperationRecord& operation);

// POST /api/v1/workers/register's answer.
boost::json::object to_json(const Registered& registered);
// POST /api/v1/operations/{id}/events' answer: 200 with a message when it was not applied, 404 unknown.
http::HttpResponse report_answer(ReportOutcome outcome, const std::string& operation_id);
// POST /api/v1/operations/events: what became of each report, in the order given.
http::HttpResponse report_batch_answer(const std::vector<std::pair<std::string, ReportOutcome>>& outcomes);

// POST /api/v1/workers/{id}/drain's answer: 202 with the worker, 404 unknown, 409 already
// draining or unavailable, 502 the worker unreachable or refusing, 504 no answer in time.
http::HttpResponse drain_answer(const DrainResult& result, const std::string& worker_id);

// POST /api/v1/{domain}/start's answer: 200 started, 202 pending or queued, 404 when no
// worker serves the domain, 422 when none could meet `requirements`, or the worker's own refusal.
http::HttpResponse start_answer(const StartResult& result, const std::string& domain,
                                const boost::json::object& requirements);

}  // namespace fleet::backend
