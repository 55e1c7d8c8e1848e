#include "backend/schedules/time_zone.hpp"

#include <date/tz.h>

#include <stdexcept>
#include <string>

namespace fleet::backend::schedules {

std::variant<const date::time_zone*, CronError> find_zone(std::string_view name) {
    try {
        return date::locate_zone(name.empty() ? kDefaultTimeZone : name);
    } catch (const std::runtime_error&) {
        return CronError{"timezone", "unknown time zone `" + std::string(name) + "`: expected an IANA name such as " +
                                         "`UTC`, `Europe/Amsterdam` or `America/New_York`"};
    }
}

}  // namespace fleet::backend::schedules
