#pragma once

#include "backend/schedules/schedule.hpp"

#include <cstddef>
#include <string>
#include <vector>

// What a schedule does at a due time and after downtime: pure rules, time
// passed in; the Scheduler carries them out.
namespace fleet::backend::schedules {

struct DueOutcome {
    enum class Kind { Start, Skip, Buffer };
    Kind kind = Kind::Start;
    std::string reason;  // Skip: why
};

// A due time (or a trigger) of `schedule`; `previous_active` says whether its
// last run (`last_workflow_id`) has not ended yet.
DueOutcome on_due(const Schedule& schedule, bool previous_active, SystemTime due);

// The due times missed while the backend was down, oldest first (`more`:
// even older ones were not listed), split into those to run (under the
// overlap policy, oldest first) and those to record as missed.
struct CatchUp {
    std::vector<SystemTime> run;
    std::vector<SystemTime> missed;
};
inline constexpr std::size_t kMaxCatchUpRuns = 100;
CatchUp catch_up(Catchup policy, const std::vector<SystemTime>& missed_times);

}  // namespace fleet::backend::schedules
