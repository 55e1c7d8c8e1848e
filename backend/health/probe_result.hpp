#pragma once

#include <string>
#include <vector>

namespace fleet::backend {

// Definite: nobody listens there or the connection was closed/reset (the
// process is gone). Ambiguous: a timeout or an unexpected answer.
enum class ProbeOutcome { Healthy, DefiniteFailure, AmbiguousFailure };

struct ProbeResult {
    std::string worker_id;
    ProbeOutcome outcome = ProbeOutcome::AmbiguousFailure;
    std::string worker_status;                // healthy only: idle, busy or draining
    std::vector<std::string> current_operations;  // healthy only: what the worker says it runs
    std::string detail;                       // failure: what went wrong
};

}  // namespace fleet::backend
