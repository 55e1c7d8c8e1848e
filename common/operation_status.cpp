#include "common/operation_status.hpp"

#include <array>
#include <utility>

namespace fleet {
namespace {

constexpr std::array<std::pair<OperationStatus, std::string_view>, 6> kNames{{
    {OperationStatus::Queued, "queued"},
    {OperationStatus::Pending, "pending"},
    {OperationStatus::Running, "running"},
    {OperationStatus::Completed, "completed"},
    {OperationStatus::Failed, "failed"},
    {OperationStatus::Cancelled, "cancelled"},
}};

}  // namespace

std::string_view to_string(OperationStatus status) {
    for (const auto& [value, name] : kNames)
        if (value == status) return name;
    return "unknown";
}

std::optional<OperationStatus> parse_operation_status(std::string_view text) {
    for (const auto& [value, name] : kNames)
        if (name == text) return value;
    return std::nullopt;
}

bool is_terminal(OperationStatus status) {
    return status == OperationStatus::Completed || status == OperationStatus::Failed ||
           status == OperationStatus::Cancelled;
}

}  // namespace fleet
