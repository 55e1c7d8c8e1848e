#include "backend/schedules/schedule.hpp"

#include "backend/schedules/next_times.hpp"
#include "common/enum_names.hpp"

namespace fleet::backend::schedules {
namespace {

constexpr EnumNames<Overlap, 3> kOverlap{{{
    {Overlap::Skip, "skip"},
    {Overlap::BufferOne, "buffer_one"},
    {Overlap::Allow, "allow"},
}}};
constexpr EnumNames<Catchup, 3> kCatchup{{{
    {Catchup::None, "none"},
    {Catchup::One, "one"},
    {Catchup::All, "all"},
}}};

}  // namespace

std::string_view to_string(Overlap overlap) { return kOverlap(overlap); }
std::optional<Overlap> parse_overlap(std::string_view text) { return kOverlap.parse(text); }
std::string_view to_string(Catchup catchup) { return kCatchup(catchup); }
std::optional<Catchup> parse_catchup(std::string_view text) { return kCatchup.parse(text); }

std::optional<SystemTime> Schedule::next_after(SystemTime after) const {
    return schedules::next_after(expression, *zone, after, created_at);
}

}  // namespace fleet::backend::schedules
