#pragma once

#include "backend/admin/admin_run.hpp"
#include "backend/admin/admin_runs.hpp"
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

}  // namespace fleet::backend
