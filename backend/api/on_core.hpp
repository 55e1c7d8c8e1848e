#pragma once

#include "common/http/router.hpp"

#include <functional>

namespace fleet::backend {

class Admission;
class CoreExecutor;

// Runs `work` on the core thread; an ApiError it throws becomes the answer,
// anything else a 500. The one place core-side failures are turned into HTTP.
// The answer goes once the store has committed what the work wrote
// (post_after_commit), so nothing is acknowledged before it is written.
// With `admission`, the work waits its turn there (new starts).
void on_core(CoreExecutor& core, http::Reply answer, std::function<void(http::Reply)> work,
             Admission* admission = nullptr);

}  // namespace fleet::backend
