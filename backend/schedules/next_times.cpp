#include "backend/schedules/next_times.hpp"

#include <date/tz.h>

#include <algorithm>

namespace fleet::backend::schedules {
namespace {

using namespace std::chrono_literals;
using std::chrono::days;
using std::chrono::local_days;
using std::chrono::local_seconds;
using std::chrono::seconds;
using std::chrono::sys_seconds;

template <std::size_t N>
std::optional<int> next_bit(const std::bitset<N>& bits, int from) {
    for (auto i = static_cast<std::size_t>(from); i < N; ++i)
        if (bits[i]) return static_cast<int>(i);
    return std::nullopt;
}

// The first time of day at or after `from` that the time fields match.
std::optional<seconds> first_time_of_day(const CronExpression& e, seconds from) {
    const std::chrono::hh_mm_ss start{from};
    const int h0 = static_cast<int>(start.hours().count());
    const int m0 = static_cast<int>(start.minutes().count());
    const int s0 = static_cast<int>(start.seconds().count());
    for (auto h = next_bit(e.hours, h0); h; h = next_bit(e.hours, *h + 1)) {
        for (auto m = next_bit(e.minutes, *h == h0 ? m0 : 0); m; m = next_bit(e.minutes, *m + 1)) {
            if (const auto s = next_bit(e.seconds, *h == h0 && *m == m0 ? s0 : 0))
                return std::chrono::hours{*h} + std::chrono::minutes{*m} + seconds{*s};
        }
    }
    return std::nullopt;
}

// The first local time in [from, until) that the expression matches, skipping
// whole months and days that cannot match.
std::optional<local_seconds> first_match(const CronExpression& e, local_seconds from, local_seconds until) {
    auto day = std::chrono::floor<days>(from);
    seconds time_of_day = from - day;
    for (; day < until; day += days{1}, time_of_day = 0s) {
        const std::chrono::year_month_day date{day};
        if (!e.months[static_cast<unsigned>(date.month())]) {
            const auto next_month = date.year() / date.month() + std::chrono::months{1};
            day = local_days{next_month / 1} - days{1};
            continue;
        }
        if (!e.day_matches(static_cast<int>(date.year()), static_cast<unsigned>(date.month()),
                           static_cast<unsigned>(date.day())))
            continue;
        if (const auto time = first_time_of_day(e, time_of_day)) {
            const auto candidate = day + *time;
            if (candidate >= until) return std::nullopt;
            return candidate;
        }
    }
    return std::nullopt;
}

local_seconds to_local(sys_seconds t, seconds offset) { return local_seconds{t.time_since_epoch() + offset}; }
sys_seconds to_sys(local_seconds t, seconds offset) { return sys_seconds{t.time_since_epoch() - offset}; }

std::optional<SystemTime> next_every(seconds period, SystemTime anchor, SystemTime after) {
    const auto periods = after < anchor ? 0 : (after - anchor) / period;
    return anchor + (periods + 1) * period;
}

}  // namespace

std::optional<SystemTime> next_after(const CronExpression& e, const date::time_zone& zone, SystemTime after,
                                     SystemTime anchor) {
    if (e.every) return next_every(*e.every, anchor, after);
    const bool fixed_time = !e.is_wildcard_time();
    auto t = std::chrono::floor<seconds>(after) + 1s;
    const auto limit = t + kSearchHorizon;
    // Walk the zone's spans of constant UTC offset; within one, local time is
    // plain arithmetic.
    while (t < limit) {
        const auto span = zone.get_info(t);
        auto local_from = to_local(t, span.offset);
        // A change of offset matters only to fixed-time jobs, and only within a day of it.
        if (fixed_time && span.begin > t - days{1}) {
            const auto previous = zone.get_info(span.begin - 1s);
            const auto wall_at_change = to_local(span.begin, previous.offset);
            if (previous.offset < span.offset && t == span.begin &&
                first_match(e, wall_at_change, to_local(span.begin, span.offset)))
                return span.begin;  // times the clocks skipped run once, as the gap ends
            if (previous.offset > span.offset)
                local_from = std::max(local_from, wall_at_change);  // repeated times ran the first time round
        }
        const auto span_end = std::min(span.end, limit);
        if (const auto local = first_match(e, local_from, to_local(span_end, span.offset)))
            return to_sys(*local, span.offset);
        t = span_end;
    }
    return std::nullopt;
}

std::vector<SystemTime> next_times(const CronExpression& expression, const date::time_zone& zone, SystemTime after,
                                   std::size_t count, SystemTime anchor) {
    std::vector<SystemTime> times;
    while (times.size() < count) {
        const auto next = next_after(expression, zone, after, anchor);
        if (!next) break;
        times.push_back(*next);
        after = *next;
    }
    return times;
}

}  // namespace fleet::backend::schedules
