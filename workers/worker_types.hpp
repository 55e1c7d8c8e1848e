#pragma once

#include "worker_base/worker_type.hpp"

#include <vector>

namespace fleet::workers {

// Every worker type this build of fleet-worker can host.
const std::vector<worker::WorkerType>& all_worker_types();

}  // namespace fleet::workers
