#pragma once

#include "common/http/router.hpp"
#include "worker_base/worker_type.hpp"

#include <vector>

namespace fleet::backend {

class AdminRuns;
class StatusWaits;
class CoreExecutor;

// The admin API (`/api/v1/admin/workers/...`): runs, operations seen in the
// admin's words. Handlers parse on the I/O thread (the params with their
// worker type's own parser), then call AdminRuns on the core thread.
void add_admin_routes(http::Router& router, CoreExecutor& core, AdminRuns& runs, StatusWaits& waits,
                      const std::vector<worker::WorkerType>& types);

}  // namespace fleet::backend
