#pragma once

#include "backend/config.hpp"

namespace fleet::backend {

// Runs fleet-backend until SIGTERM/SIGINT: loads the registry and unfinished
// operations from SQLite, checks every worker at once, serves the API.
int run_backend(const BackendConfig& config);

}  // namespace fleet::backend
