#pragma once

#include <array>
#include <bitset>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace fleet::backend::schedules {

// The six fields of a normalised expression, seconds first.
enum class CronField { Second, Minute, Hour, DayOfMonth, Month, DayOfWeek };
inline constexpr std::size_t kCronFields = 6;

// What is wrong with an expression: `field` is "second", "minute", "hour",
// "day-of-month", "month", "day-of-week", "expression" (the whole text) or
// "timezone"; `message` says what and why, for a 400/422 body.
struct CronError {
    std::string field;
    std::string message;

    bool operator==(const CronError&) const = default;
};

// A parsed cron expression: a bitset per field plus the day rules bits cannot
// say (`L`, `L-n`, `5L`, `FRI#2`). An `@every` expression sets only `every`.
struct CronExpression {
    std::bitset<60> seconds;
    std::bitset<60> minutes;
    std::bitset<24> hours;
    std::bitset<32> days_of_month;                // bit d: day d (1-31)
    std::bitset<31> days_before_last;             // bit n: `L-n` (`L` is n = 0)
    std::bitset<13> months;                       // bit m: month m (1-12)
    std::bitset<7> days_of_week;                  // bit 0: Sunday
    std::bitset<7> last_weekdays;                 // `5L`: the month's last Friday
    std::array<std::bitset<6>, 7> nth_weekdays;   // `5#2`: nth_weekdays[5][2]
    // Per field: 0 when it names values, 1 for `*` (or `?`), k for `*/k`. A
    // field that starts with `*` is a wildcard in Vixie's day rule and in the
    // DST policy (proto_docs/schedules.md).
    std::array<std::uint8_t, kCronFields> star_step{};
    std::optional<std::chrono::seconds> every;    // `@every 90s`: absolute period

    bool is_every() const { return every.has_value(); }
    bool is_star(CronField field) const { return star_step[static_cast<std::size_t>(field)] != 0; }
    // Debian cron's "wildcard job": its seconds, minute or hour field starts
    // with `*`. It follows absolute time across DST changes; any other job
    // is a fixed-time job.
    bool is_wildcard_time() const;
    // Vixie: when both day fields are restricted, a day matching either runs.
    bool day_matches(int year, unsigned month, unsigned day) const;

    bool operator==(const CronExpression&) const = default;
};

using CronParse = std::variant<CronExpression, CronError>;

// 5 fields (minute hour day-of-month month day-of-week), 6 (seconds first),
// a macro (@yearly @annually @monthly @weekly @daily @midnight @hourly) or
// `@every <duration>` (e.g. 90s, 5m, 1h30m; at least 1s).
CronParse parse_cron(std::string_view text);

// The normalised 6-field form (seconds first, numbers for names, macros
// expanded), or `@every 1h30m`. parse_cron(to_string(e)) == e.
std::string to_string(const CronExpression& expression);

}  // namespace fleet::backend::schedules
