#pragma once

#include "common/http/router.hpp"

namespace fleet::backend {

class CoreExecutor;
class WorkflowEngine;
class StatusWaits;

// The workflow API (`/api/v1/workflows...`). Handlers parse and validate on
// the I/O thread, then call the WorkflowEngine on the core thread; answers go
// once what they changed is committed.
void add_workflow_routes(http::Router& router, CoreExecutor& core, WorkflowEngine& engine, StatusWaits& waits);

}  // namespace fleet::backend
