#pragma once

#include "worker_base/worker_config.hpp"
#include "worker_base/worker_type.hpp"

namespace fleet::worker {

// Runs a worker process: listens, registers with the backend, serves the
// worker API, and on SIGTERM/SIGINT (or POST /api/v1/drain) drains (503 for new work, the running
// operation gets up to --drain-timeout, then is cancelled), says goodbye to
// the backend and returns 0. A second signal skips the wait.
int run_worker(const WorkerConfig& config, const WorkerType& type);

}  // namespace fleet::worker
