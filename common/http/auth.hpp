#pragma once

#include "common/http/router.hpp"

#include <string>

namespace fleet::http {

// A router guard: with a token, every request but GET /health, GET /metrics and
// GET of the dashboard's files (`/ui`, `/ui/...`) needs
// `Authorization: Bearer <token>` (401 otherwise); without one, all pass.
Guard bearer_guard(std::string token);

}  // namespace fleet::http
