#include "common/run_status.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <utility>

namespace fleet {
namespace {

constexpr std::array<std::pair<RunStatus, std::string_view>, 5> kNames{{
    {RunStatus::Pending, "pending"},
    {RunStatus::Running, "running"},
    {RunStatus::Finished, "finished"},
    {RunStatus::Failed, "failed"},
    {RunStatus::Cancelled, "cancelled"},
}};

}  // namespace

std::string_view to_string(RunStatus status) {
    for (const auto& [value, name] : kNames)
        if (value == status) return name;
    return "unknown";
}

std::optional<RunStatus> parse_run_status(std::string_view text) {
    for (const auto& [value, name] : kNames)
        if (name == text) return value;
    return std::nullopt;
}

bool is_terminal(RunStatus status) {
    return status == RunStatus::Finished || status == RunStatus::Failed || status == RunStatus::Cancelled;
}

RunStatus run_status_of(OperationStatus status) {
    switch (status) {
        case OperationStatus::Queued:
        case OperationStatus::Pending: return RunStatus::Pending;
        case OperationStatus::Running: return RunStatus::Running;
        case OperationStatus::Completed: return RunStatus::Finished;
        case OperationStatus::Failed: return RunStatus::Failed;
        case OperationStatus::Cancelled: return RunStatus::Cancelled;
    }
    return RunStatus::Failed;
}

OperationStatuses operation_statuses_of(RunStatus status) {
    switch (status) {
        case RunStatus::Pending: return {OperationStatus::Queued, OperationStatus::Pending};
        case RunStatus::Running: return {OperationStatus::Running, OperationStatus::Running};
        case RunStatus::Finished: return {OperationStatus::Completed, OperationStatus::Completed};
        case RunStatus::Failed: return {OperationStatus::Failed, OperationStatus::Failed};
        case RunStatus::Cancelled: return {OperationStatus::Cancelled, OperationStatus::Cancelled};
    }
    return {OperationStatus::Failed, OperationStatus::Failed};
}

int run_progress(RunStatus status, double percentage) {
    if (status == RunStatus::Finished) return 100;
    if (!std::isfinite(percentage)) return 0;
    return static_cast<int>(std::clamp(std::floor(percentage), 0.0, 99.0));
}

std::optional<double> run_duration_seconds(const std::optional<SystemTime>& started,
                                           const std::optional<SystemTime>& finished, SystemTime now) {
    if (!started) return std::nullopt;
    const auto end = finished ? *finished : now;
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(end - *started).count();
    return static_cast<double>(std::max<std::int64_t>(ms, 0)) / 1000.0;
}

}  // namespace fleet
