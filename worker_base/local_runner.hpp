#pragma once

#include "worker_base/worker_type.hpp"

#include <string>

namespace fleet::worker {

// `fleet-worker --type X --run '<json>'`: runs one operation in this process,
// without a server or backend. Draws a progress bar on stderr, prints the
// result as JSON on stdout. Ctrl-C cancels. Returns 0 completed, 1 failed,
// 2 invalid parameters, 130 cancelled.
int run_locally(const WorkerType& type, const std::string& parameters_json);

}  // namespace fleet::worker
