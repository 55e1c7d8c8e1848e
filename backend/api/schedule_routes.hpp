#pragma once

#include "common/clock.hpp"
#include "common/http/router.hpp"

namespace fleet::backend {

class CoreExecutor;
class Scheduler;

// The schedule API (`/api/v1/schedules...`). Handlers parse and validate on
// the I/O thread (a preview is computed there), then call the Scheduler on
// the core thread; answers go once what they changed is committed.
void add_schedule_routes(http::Router& router, CoreExecutor& core, Scheduler& scheduler, const Clock& clock);

}  // namespace fleet::backend
