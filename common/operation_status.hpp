#pragma once

#include <optional>
#include <string_view>

namespace fleet {

// `Queued` exists only in the backend (accepted, no worker free yet).
enum class OperationStatus { Queued, Pending, Running, Completed, Failed, Cancelled };

std::string_view to_string(OperationStatus status);
std::optional<OperationStatus> parse_operation_status(std::string_view text);
bool is_terminal(OperationStatus status);

}  // namespace fleet
