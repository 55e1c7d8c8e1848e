#pragma once

#include <optional>
#include <string_view>

namespace fleet::backend {

// A worker as the backend's registry sees it.
enum class WorkerStatus { Available, Busy, TemporarilyUnavailable, Draining };

std::string_view to_string(WorkerStatus status);
std::optional<WorkerStatus> parse_worker_status(std::string_view text);

}  // namespace fleet::backend
