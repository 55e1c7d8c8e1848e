#pragma once

#include "backend/operations/proxy_results.hpp"
#include "backend/storage/operation_query.hpp"
#include "common/http/message.hpp"

#include <string>

// The HTTP answers of the operation proxy's results (backend/api only).
namespace fleet::backend {

// GET /api/v1/operations/{id}: 200 with the operation, 404, or 500 when the store could not be read.
http::HttpResponse get_answer(const OperationLookup& lookup, const std::string& operation_id);

// GET /api/v1/operations: a page in the worker's list shape, with next_cursor.
http::HttpResponse list_answer(const OperationRows& rows, const OperationQuery& query);

// GET /api/v1/operations/{id}/metrics: the worker's answer as it came, an empty page when
// no worker holds it, 404, or 502 when the worker did not answer.
http::HttpResponse metrics_answer(const MetricsResult& result, const std::string& operation_id);

// DELETE /api/v1/operations/{id}/cancel: 200 when cancelled here, the worker's answer as
// it came, 404, 409 when it already ended or has no worker, 502 when the worker did not answer.
http::HttpResponse cancel_answer(const CancelResult& result, const std::string& operation_id);

}  // namespace fleet::backend
