#pragma once

#include "backend/admin/admin_run.hpp"
#include "backend/admin/admin_runs.hpp"
#include "backend/operations/proxy_results.hpp"
#include "common/http/message.hpp"

#include <boost/json/object.hpp>

// The admin API's JSON edge: runs and what became of a run request.
namespace fleet::backend {

// A run in the admin's words (GET .../runs/{id}, the items of a list).
boost::json::object to_json(const RunView& run);

// POST .../run and .../rerun: 201 for a new run (a replay too, with
// `Idempotent-Replayed: true`), 409 for an overlap refused, 422 for a key
// reused with another request, 503 when no worker runs the bot, the worker's
// own 4xx when it refused the params.
http::HttpResponse run_answer(const RunOutcome& outcome, SystemTime now);

// DELETE .../runs/{id}/cancel: 200 cancelled (or requested on its worker), 404 unknown,
// 409 already ended (`run_status` says how) or no worker holds it, the worker's own
// refusal, 502 when the worker did not answer.
http::HttpResponse run_cancel_answer(const CancelResult& result, const std::string& run_id);

}  // namespace fleet::backend
