#include "backend/schedules/schedule_rules.hpp"

#include <algorithm>

namespace fleet::backend::schedules {

DueOutcome on_due(const Schedule& schedule, bool previous_active, SystemTime due) {
    if (!previous_active || schedule.overlap == Overlap::Allow) return {DueOutcome::Kind::Start, {}};
    const std::string still = "run " + schedule.last_workflow_id + " still active";
    switch (schedule.overlap) {
        case Overlap::Skip: return {DueOutcome::Kind::Skip, still};
        case Overlap::BufferOne:
            if (!schedule.buffered_for || *schedule.buffered_for == due) return {DueOutcome::Kind::Buffer, {}};
            return {DueOutcome::Kind::Skip, still + " and the due time " + to_iso8601(*schedule.buffered_for) +
                                                " already waits for it"};
        case Overlap::Allow: break;
    }
    return {DueOutcome::Kind::Start, {}};
}

CatchUp catch_up(Catchup policy, const std::vector<SystemTime>& missed_times) {
    std::size_t runs = 0;
    switch (policy) {
        case Catchup::None: runs = 0; break;
        case Catchup::One: runs = 1; break;
        case Catchup::All: runs = kMaxCatchUpRuns; break;
    }
    runs = std::min(runs, missed_times.size());
    const auto split = missed_times.end() - static_cast<std::ptrdiff_t>(runs);
    return {{split, missed_times.end()}, {missed_times.begin(), split}};
}

}  // namespace fleet::backend::schedules
