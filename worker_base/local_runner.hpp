#pragma once

#include "worker_base/worker_type.hpp"

#include <string>

namespace fleet::worker {

// `fleet-worker --type X --run '<json>'`: runs one operation in this process,
// without a server or backend, in the words of an admin run: draws its status
// and progress (0-100, at most 99 until finished) on stderr, and prints
// {"status", "progress", "counters" (the result), "error_message",
// "duration_seconds"} as JSON on stdout. Ctrl-C cancels. Returns 0 finished,
// 1 failed, 2 invalid parameters (nothing printed on stdout), 130 cancelled.
int run_locally(const WorkerType& type, const std::string& parameters_json);

}  // namespace fleet::worker
