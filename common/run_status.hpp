#pragma once

#include "common/clock.hpp"
#include "common/operation_status.hpp"

#include <optional>
#include <string_view>

namespace fleet {

// A run is an operation seen in the admin's words (the admin API and
// `fleet-worker --run` both speak them): queued and pending operations are
// `Pending`, completed ones `Finished`.
enum class RunStatus { Pending, Running, Finished, Failed, Cancelled };

std::string_view to_string(RunStatus status);
std::optional<RunStatus> parse_run_status(std::string_view text);
bool is_terminal(RunStatus status);

RunStatus run_status_of(OperationStatus status);

// The operation statuses a run status stands for (one or two of them).
struct OperationStatuses {
    OperationStatus first;
    OperationStatus second;
};
OperationStatuses operation_statuses_of(RunStatus status);

// A run's progress 0-100 from an engine's percentage: 100 only when finished,
// at most 99 otherwise (a failed or cancelled run keeps where it stopped).
// Whole numbers, rounded down, so 99.7% is not shown as done.
int run_progress(RunStatus status, double percentage);

// Seconds from start to finish, or to `now` while it runs; nothing before it started.
std::optional<double> run_duration_seconds(const std::optional<SystemTime>& started,
                                           const std::optional<SystemTime>& finished, SystemTime now);

}  // namespace fleet
