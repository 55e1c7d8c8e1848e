#pragma once

#include "backend/schedules/cron.hpp"
#include "common/clock.hpp"

#include <cstddef>
#include <optional>
#include <vector>

namespace date {
class time_zone;
}

namespace fleet::backend::schedules {

// How far ahead a search looks before deciding an expression never matches
// (e.g. `0 0 29 2 1#5`): five years of days.
inline constexpr auto kSearchHorizon = std::chrono::days{5 * 366};

// The first due time strictly after `after`, in `zone`'s local time, with
// Debian cron's DST policy (proto_docs/schedules.md):
// - a fixed-time job whose local time falls in a spring-forward gap runs once,
//   at the gap's end (the instant the clocks jump); in a fall-back overlap it
//   runs once, at the first occurrence;
// - a wildcard job (CronExpression::is_wildcard_time) runs at every matching
//   local time that exists, so twice in an overlap and never in a gap.
// `@every N` ignores the zone: its due times are anchor + k×N for k ≥ 1, the
// anchor being the schedule's creation time (unused by other expressions).
// Due times are whole seconds, except `@every` with a fractional anchor.
// nullopt when nothing matches within kSearchHorizon.
std::optional<SystemTime> next_after(const CronExpression& expression, const date::time_zone& zone, SystemTime after,
                                     SystemTime anchor);

// The next `count` due times after `after`, for previews; fewer if the search runs out.
std::vector<SystemTime> next_times(const CronExpression& expression, const date::time_zone& zone, SystemTime after,
                                   std::size_t count, SystemTime anchor);

}  // namespace fleet::backend::schedules
