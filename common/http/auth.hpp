#pragma once

#include "common/http/router.hpp"

#include <string>

namespace fleet::http {

// A router guard: with a token, every request but GET of /health, /metrics,
// /openapi.yaml, /docs and the dashboard's files (`/ui`, `/ui/...`) needs
// `Authorization: Bearer <token>` (401 otherwise); without one, all pass.
Guard bearer_guard(std::string token);

}  // namespace fleet::http
