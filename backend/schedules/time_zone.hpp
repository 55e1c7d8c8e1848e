#pragma once

#include "backend/schedules/cron.hpp"

#include <string_view>
#include <variant>

namespace date {
class time_zone;
}

namespace fleet::backend::schedules {

inline constexpr std::string_view kDefaultTimeZone = "UTC";

// An IANA zone from the system tzdata (/usr/share/zoneinfo); an empty name is
// UTC. Unknown names give a CronError with field "timezone". The zone lives
// as long as the process.
std::variant<const date::time_zone*, CronError> find_zone(std::string_view name);

}  // namespace fleet::backend::schedules
