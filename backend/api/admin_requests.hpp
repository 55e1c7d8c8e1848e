#pragma once

#include "backend/admin/admin_run.hpp"
#include "backend/admin/admin_runs.hpp"
#include "common/http/message.hpp"
#include "worker_base/worker_type.hpp"

#include <boost/json/object.hpp>

#include <string>
#include <vector>

// Requests of the admin API, validated; every failure is ApiError 400.
namespace fleet::backend {

// The worker type a run's `bot` names: its type (`data_processing`) or its
// domain (`data-processing`, `backtests`). 400 listing the known ones otherwise.
const worker::WorkerType& resolve_bot(const std::string& bot, const std::vector<worker::WorkerType>& types);

// POST /api/v1/admin/workers/run: {"bot", "params"?, "strict"?}. The params go
// through the type's own parser (its refusal is a 400 with its reason); they
// are kept as given.
RunRequest parse_run_request(const boost::json::object& body, const std::string& idempotency_key,
                             const std::vector<worker::WorkerType>& types);

// POST .../runs/{id}/rerun: an empty body or {"strict"?}.
bool parse_rerun_strict(const std::string& body);

// The Idempotency-Key header: empty, or 1 to 255 printable ASCII characters.
std::string parse_idempotency_key(const std::string& header);

// GET /api/v1/admin/workers/runs?bot=&status=&since=&limit=20&offset=0.
RunQuery parse_run_query(const http::HttpRequest& request, const std::vector<worker::WorkerType>& types);

}  // namespace fleet::backend
