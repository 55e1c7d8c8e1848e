#include "backend/schedules/cron.hpp"
#include "backend/schedules/next_times.hpp"
#include "backend/schedules/time_zone.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace fleet;
using namespace fleet::backend::schedules;
using namespace std::chrono_literals;

namespace {

CronExpression parsed(std::string_view text) {
    auto result = parse_cron(text);
    if (const auto* error = std::get_if<CronError>(&result))
        FAIL(text << " -> " << error->field << ": " << error->message);
    return std::get<CronExpression>(result);
}

const date::time_zone& zone(std::string_view name) {
    const auto found = find_zone(name);
    REQUIRE(std::holds_alternative<const date::time_zone*>(found));
    return *std::get<const date::time_zone*>(found);
}

// "2027-03-28 01:00:00" in UTC.
SystemTime utc(std::string_view text) {
    const auto number = [&](std::size_t at, std::size_t length) {
        return std::stoi(std::string(text.substr(at, length)));
    };
    const std::chrono::year_month_day day{std::chrono::year{number(0, 4)},
                                          std::chrono::month{static_cast<unsigned>(number(5, 2))},
                                          std::chrono::day{static_cast<unsigned>(number(8, 2))}};
    return std::chrono::sys_days{day} + std::chrono::hours{number(11, 2)} + std::chrono::minutes{number(14, 2)} +
           std::chrono::seconds{number(17, 2)};
}

// Due times as UTC text, so a failure shows them readably.
std::vector<std::string> upcoming(std::string_view cron, std::string_view zone_name, std::string_view after,
                                  std::size_t count, SystemTime anchor = {}) {
    std::vector<std::string> texts;
    for (const auto t : next_times(parsed(cron), zone(zone_name), utc(after), count, anchor))
        texts.push_back(to_iso8601(t));
    return texts;
}

// Each expression's next due times after a moment, in one zone.
struct DueCase {
    std::string cron;
    std::string after;
    std::vector<std::string> expected;
};

void check_due_times(const std::vector<DueCase>& cases, std::string_view zone_name) {
    for (const auto& c : cases) {
        INFO(c.cron << " after " << c.after << " in " << zone_name);
        CHECK(upcoming(c.cron, zone_name, c.after, c.expected.size()) == c.expected);
    }
}

}  // namespace

TEST_CASE("cron: every feature parses to its normalised 6-field form", "[cron]") {
    const std::vector<std::pair<std::string, std::string>> cases{
        {"* * * * *", "0 * * * * *"},
        {"*/5 * * * *", "0 */5 * * * *"},
        {"10-50/10 * * * *", "0 10,20,30,40,50 * * * *"},
        {"5/15 * * * *", "0 5,20,35,50 * * * *"},
        {"0 9-17 * * MON-FRI", "0 0 9-17 * * 1-5"},
        {"0 0 1,15 JAN,jul ?", "0 0 0 1,15 1,7 *"},
        {"0 0 ? * sun", "0 0 0 * * 0"},
        {"0 0 * * 7", "0 0 0 * * 0"},
        {"0 0 * * 5-7", "0 0 0 * * 0,5,6"},
        {"0 0 * * 5/1", "0 0 0 * * 5,6"},
        // Found by tests/fuzz (fuzz_cron): `7/5` read as no day at all, printed as an empty field.
        {"47 * 1 * 7/5", "0 47 * 1 * 0"},
        {"0 0 * * */2", "0 0 0 * * */2"},
        {"0 0 L * *", "0 0 0 L * *"},
        {"0 0 1,L-3 * *", "0 0 0 1,L-3 * *"},
        {"0 0 * * 5L", "0 0 0 * * 5L"},
        {"0 0 * * friL", "0 0 0 * * 5L"},
        {"0 0 * * FRI#2,1#1", "0 0 0 * * 1#1,5#2"},
        {"0 0 13 * FRI", "0 0 0 13 * 5"},
        {"*/2 * * * * *", "*/2 * * * * *"},
        {"30 15 10 * * *", "30 15 10 * * *"},
        {"  0\t12  * * *  ", "0 0 12 * * *"},
        {"@yearly", "0 0 0 1 1 *"},
        {"@annually", "0 0 0 1 1 *"},
        {"@monthly", "0 0 0 1 * *"},
        {"@weekly", "0 0 0 * * 0"},
        {"@daily", "0 0 0 * * *"},
        {"@MIDNIGHT", "0 0 0 * * *"},
        {"@hourly", "0 0 * * * *"},
        {"@every 90s", "@every 1m30s"},
        {"@every 5m", "@every 5m"},
        {"@every 1h30m", "@every 1h30m"},
        {"@every 1s", "@every 1s"},
        {"@every 30m90s", "@every 31m30s"},
    };
    for (const auto& [text, normalised] : cases) {
        INFO(text);
        const auto expression = parsed(text);
        CHECK(to_string(expression) == normalised);
        CHECK(parsed(to_string(expression)) == expression);
    }
}

TEST_CASE("cron: every error names its field and says what is wrong", "[cron]") {
    struct Case {
        std::string text;
        std::string field;
        std::string message;  // a part of it
    };
    const std::vector<Case> cases{
        {"", "expression", "is empty"},
        {"* * * *", "expression", "expected 5 fields (minute hour day-of-month month day-of-week) or 6 (seconds first), got 4"},
        {"* * * * * * *", "expression", "got 7"},
        {"60 * * * * *", "second", "`60` is out of range 0-59"},
        {"60 * * * *", "minute", "`60` is out of range 0-59"},
        {"* 24 * * *", "hour", "`24` is out of range 0-23"},
        {"* * 0 * *", "day-of-month", "`0` is out of range 1-31"},
        {"* * * 13 *", "month", "`13` is out of range 1-12 or JAN-DEC"},
        {"* * * * 8", "day-of-week", "`8` is out of range 0-7 or SUN-SAT"},
        {"* * * FOO *", "month", "`FOO` is not a value: expected 1-12 or JAN-DEC"},
        {"* * * * FUNDAY", "day-of-week", "`FUNDAY` is not a value"},
        {"x * * * *", "minute", "`x` is not a value: expected 0-59"},
        {"-5 * * * *", "minute", "a value is missing"},
        {"*/0 * * * *", "minute", "step must be at least 1"},
        {"*/60 * * * *", "minute", "step 60 is larger than the range 0-59"},
        {"1/x * * * *", "minute", "step `x` is not a whole number"},
        {"30-10 * * * *", "minute", "range `30-10` goes backwards"},
        {"1,,2 * * * *", "minute", "empty item in a list"},
        {"1, * * * *", "minute", "empty item in a list"},
        {"? * * * *", "minute", "`?` is only allowed in day-of-month and day-of-week"},
        {"* * 1,? * *", "day-of-month", "`?` stands alone"},
        {"*,5 * * * *", "minute", "`*` cannot be combined"},
        {"*5 * * * *", "minute", "`*5` is not `*` or `*/step`"},
        {"* * * * 5#6", "day-of-week", "the number after `#` must be 1-5"},
        {"* * * * 5#", "day-of-week", "the number after `#` must be 1-5"},
        {"* * * * L", "day-of-week", "`L` alone is not a day of the week"},
        {"* * * * 9L", "day-of-week", "`9` is out of range"},
        {"* * LW * *", "day-of-month", "`W` (nearest weekday) is not supported"},
        {"* * 15W * *", "day-of-month", "`W` (nearest weekday) is not supported"},
        {"* * L-31 * *", "day-of-month", "is not `L` or `L-n` with n in 1-30"},
        {"* * L2 * *", "day-of-month", "is not `L` or `L-n`"},
        {"0 0 30 2 *", "day-of-month", "day 30 never occurs in the selected months (they have at most 29 days)"},
        {"0 0 31 4,6,9,11 *", "day-of-month", "day 31 never occurs"},
        {"@foo", "expression", "unknown macro `@foo`"},
        {"@reboot", "expression", "`@reboot` is not supported"},
        {"@daily 5", "expression", "`@daily` takes nothing after it"},
        {"@every", "expression", "`@every` needs a duration"},
        {"@every 1h 30m", "expression", "one duration without spaces"},
        {"@every 0s", "expression", "at least 1s"},
        {"@every 90", "expression", "whole numbers with units h, m or s"},
        {"@every 1.5h", "expression", "unknown unit `.`"},
        {"@every 5d", "expression", "unknown unit `d`"},
        {"@every 8785h", "expression", "at most 8784h"},
        {"@every 999999999h", "expression", "at most 8784h"},
        {"TZ=Europe/Amsterdam 0 2 * * *", "expression", "give the time zone in `timezone`"},
    };
    for (const auto& c : cases) {
        INFO(c.text);
        const auto result = parse_cron(c.text);
        REQUIRE(std::holds_alternative<CronError>(result));
        const auto& error = std::get<CronError>(result);
        CHECK(error.field == c.field);
        CHECK_THAT(error.message, Catch::Contains(c.message));
    }
}

TEST_CASE("cron: only a second, minute or hour starting with `*` makes a wildcard job", "[cron]") {
    CHECK(parsed("*/15 * * * *").is_wildcard_time());
    CHECK(parsed("0 * * * *").is_wildcard_time());
    CHECK(parsed("*/15 2 * * *").is_wildcard_time());
    CHECK(parsed("0 */2 * * *").is_wildcard_time());
    CHECK(parsed("*/2 30 2 * * *").is_wildcard_time());
    CHECK(parsed("@hourly").is_wildcard_time());
    CHECK_FALSE(parsed("30 2 * * *").is_wildcard_time());
    CHECK_FALSE(parsed("0 0-23 * * *").is_wildcard_time());
    CHECK_FALSE(parsed("@daily").is_wildcard_time());
}

TEST_CASE("cron: next times in UTC", "[cron]") {
    check_due_times({
        {"*/5 * * * *", "2027-01-01 10:02:00",
         {"2027-01-01T10:05:00.000Z", "2027-01-01T10:10:00.000Z", "2027-01-01T10:15:00.000Z"}},
        // strictly after: a due time equal to `after` is not repeated
        {"*/5 * * * *", "2027-01-01 10:05:00",
         {"2027-01-01T10:10:00.000Z", "2027-01-01T10:15:00.000Z", "2027-01-01T10:20:00.000Z"}},
        {"*/2 * * * * *", "2027-01-01 23:59:57",
         {"2027-01-01T23:59:58.000Z", "2027-01-02T00:00:00.000Z", "2027-01-02T00:00:02.000Z"}},
        {"15,45 0 * * * *", "2027-01-01 10:00:15",
         {"2027-01-01T10:00:45.000Z", "2027-01-01T11:00:15.000Z", "2027-01-01T11:00:45.000Z"}},
        {"0 9 * * MON-FRI", "2027-01-01 09:00:00",  // a Friday
         {"2027-01-04T09:00:00.000Z", "2027-01-05T09:00:00.000Z", "2027-01-06T09:00:00.000Z"}},
        {"30 23 31 DEC *", "2027-06-01 00:00:00",
         {"2027-12-31T23:30:00.000Z", "2028-12-31T23:30:00.000Z", "2029-12-31T23:30:00.000Z"}},
        {"0 0 29 2 *", "2027-01-01 00:00:00",
         {"2028-02-29T00:00:00.000Z", "2032-02-29T00:00:00.000Z"}},
        {"0 0 L * *", "2028-01-15 00:00:00",
         {"2028-01-31T00:00:00.000Z", "2028-02-29T00:00:00.000Z", "2028-03-31T00:00:00.000Z", "2028-04-30T00:00:00.000Z"}},
        {"0 0 L-3 * *", "2027-01-01 00:00:00",
         {"2027-01-28T00:00:00.000Z", "2027-02-25T00:00:00.000Z", "2027-03-28T00:00:00.000Z"}},
        {"0 12 * * 5L", "2027-01-01 00:00:00",  // last Fridays of 2027
         {"2027-01-29T12:00:00.000Z", "2027-02-26T12:00:00.000Z", "2027-03-26T12:00:00.000Z"}},
        {"0 12 * * FRI#2", "2027-01-01 00:00:00",
         {"2027-01-08T12:00:00.000Z", "2027-02-12T12:00:00.000Z", "2027-03-12T12:00:00.000Z"}},
        {"0 12 * * 1#5", "2027-01-01 00:00:00",  // months with a fifth Monday
         {"2027-03-29T12:00:00.000Z", "2027-05-31T12:00:00.000Z", "2027-08-30T12:00:00.000Z"}},
        // Vixie: both day fields restricted, so the 13th or any Friday
        {"0 0 13 * FRI", "2027-08-01 00:00:00",
         {"2027-08-06T00:00:00.000Z", "2027-08-13T00:00:00.000Z", "2027-08-20T00:00:00.000Z", "2027-08-27T00:00:00.000Z",
          "2027-09-03T00:00:00.000Z", "2027-09-10T00:00:00.000Z", "2027-09-13T00:00:00.000Z"}},
        // a day field starting with `*` is unrestricted: both must match (odd days that are Mondays)
        {"0 0 */2 * MON", "2027-02-01 00:00:00",
         {"2027-02-15T00:00:00.000Z", "2027-03-01T00:00:00.000Z", "2027-03-15T00:00:00.000Z"}},
        {"0 0 1 * ?", "2027-01-01 00:00:00",
         {"2027-02-01T00:00:00.000Z", "2027-03-01T00:00:00.000Z"}},
        {"@hourly", "2027-01-01 10:00:00", {"2027-01-01T11:00:00.000Z", "2027-01-01T12:00:00.000Z"}},
        {"@weekly", "2027-01-01 00:00:00", {"2027-01-03T00:00:00.000Z", "2027-01-10T00:00:00.000Z"}},
        {"@yearly", "2027-01-01 00:00:00", {"2028-01-01T00:00:00.000Z", "2029-01-01T00:00:00.000Z"}},
    }, "UTC");
}

TEST_CASE("cron: an expression that never matches gives up after the search horizon", "[cron]") {
    // The fifth Monday of February needs a leap year whose February starts on a Monday (2016, then 2044).
    CHECK(upcoming("0 0 * 2 1#5", "UTC", "2027-01-01 00:00:00", 1).empty());
    // February has no day 30 days before its last.
    CHECK(upcoming("0 0 L-30 2 *", "UTC", "2027-01-01 00:00:00", 1).empty());
    CHECK(upcoming("0 0 * 2 1#5", "UTC", "2043-06-01 00:00:00", 1) ==
          std::vector<std::string>{"2044-02-29T00:00:00.000Z"});
}

TEST_CASE("cron: @every counts whole periods from the anchor, whatever the zone", "[cron]") {
    const auto anchor = utc("2027-03-28 00:59:30");
    CHECK(upcoming("@every 90s", "Europe/Amsterdam", "2027-03-28 00:59:30", 3, anchor) ==
          std::vector<std::string>{"2027-03-28T01:01:00.000Z", "2027-03-28T01:02:30.000Z", "2027-03-28T01:04:00.000Z"});
    CHECK(upcoming("@every 1h30m", "UTC", "2027-03-28 03:59:30", 2, anchor) ==
          std::vector<std::string>{"2027-03-28T05:29:30.000Z", "2027-03-28T06:59:30.000Z"});
    // before the anchor: the first due time is one period after it
    CHECK(upcoming("@every 5m", "UTC", "2027-01-01 00:00:00", 1, anchor) ==
          std::vector<std::string>{"2027-03-28T01:04:30.000Z"});
}

// Europe/Amsterdam 2027: 2027-03-28 02:00 CET -> 03:00 CEST at 01:00Z; 2027-10-31 03:00 CEST -> 02:00 CET at 01:00Z.
TEST_CASE("cron: Europe/Amsterdam's 2027 changes follow Debian cron", "[cron]") {
    check_due_times({
        // fixed time in the gap: once, at its end (03:00 CEST)
        {"30 2 * * *", "2027-03-27 00:00:00",
         {"2027-03-27T01:30:00.000Z", "2027-03-28T01:00:00.000Z", "2027-03-29T00:30:00.000Z"}},
        // several fixed times in the gap still run once
        {"0,30 2 * * *", "2027-03-27 12:00:00", {"2027-03-28T01:00:00.000Z", "2027-03-29T00:00:00.000Z"}},
        {"30 2,3 * * *", "2027-03-27 12:00:00", {"2027-03-28T01:00:00.000Z", "2027-03-28T01:30:00.000Z"}},
        // 03:00 exists and is the gap's end: one run
        {"0 2,3 * * *", "2027-03-27 12:00:00", {"2027-03-28T01:00:00.000Z", "2027-03-29T00:00:00.000Z"}},
        // fixed time in the overlap: once, the first 02:30 (CEST)
        {"30 2 * * *", "2027-10-30 00:00:00",
         {"2027-10-30T00:30:00.000Z", "2027-10-31T00:30:00.000Z", "2027-11-01T01:30:00.000Z"}},
        // asked from inside the repeated hour, the second 02:30 is still not a due time
        {"30 2 * * *", "2027-10-31 01:15:00", {"2027-11-01T01:30:00.000Z"}},
        // wildcard hour: every absolute hour; local 02:00 does not exist on 03-28 ...
        {"0 * * * *", "2027-03-27 23:30:00",
         {"2027-03-28T00:00:00.000Z", "2027-03-28T01:00:00.000Z", "2027-03-28T02:00:00.000Z"}},
        // ... and happens twice on 10-31
        {"0 * * * *", "2027-10-30 23:30:00",
         {"2027-10-31T00:00:00.000Z", "2027-10-31T01:00:00.000Z", "2027-10-31T02:00:00.000Z"}},
        {"*/15 * * * *", "2027-03-28 00:40:00",
         {"2027-03-28T00:45:00.000Z", "2027-03-28T01:00:00.000Z", "2027-03-28T01:15:00.000Z"}},
        {"*/15 * * * *", "2027-10-31 00:40:00",
         {"2027-10-31T00:45:00.000Z", "2027-10-31T01:00:00.000Z", "2027-10-31T01:15:00.000Z"}},
        // a wildcard minute in a fixed hour is a wildcard job too (Debian): none in the gap, both hours in the overlap
        {"*/30 2 * * *", "2027-03-27 12:00:00", {"2027-03-29T00:00:00.000Z"}},
        {"*/30 2 * * *", "2027-10-30 12:00:00",
         {"2027-10-31T00:00:00.000Z", "2027-10-31T00:30:00.000Z", "2027-10-31T01:00:00.000Z", "2027-10-31T01:30:00.000Z",
          "2027-11-01T01:00:00.000Z"}},
        // a 6-field fixed time in the gap
        {"45 30 2 * * *", "2027-03-27 12:00:00", {"2027-03-28T01:00:00.000Z"}},
        // @daily at local midnight, untouched by a 02:00 change
        {"@daily", "2027-03-27 12:00:00", {"2027-03-27T23:00:00.000Z", "2027-03-28T22:00:00.000Z"}},
    }, "Europe/Amsterdam");
}

// America/New_York 2027: 2027-03-14 02:00 EST -> 03:00 EDT at 07:00Z; 2027-11-07 02:00 EDT -> 01:00 EST at 06:00Z.
TEST_CASE("cron: America/New_York's 2027 changes follow Debian cron", "[cron]") {
    check_due_times({
        {"30 2 * * *", "2027-03-13 00:00:00",
         {"2027-03-13T07:30:00.000Z", "2027-03-14T07:00:00.000Z", "2027-03-15T06:30:00.000Z"}},
        {"30 1 * * *", "2027-11-06 00:00:00",
         {"2027-11-06T05:30:00.000Z", "2027-11-07T05:30:00.000Z", "2027-11-08T06:30:00.000Z"}},
        {"0 * * * *", "2027-03-14 05:30:00",
         {"2027-03-14T06:00:00.000Z", "2027-03-14T07:00:00.000Z", "2027-03-14T08:00:00.000Z"}},
        {"0 * * * *", "2027-11-07 04:30:00",
         {"2027-11-07T05:00:00.000Z", "2027-11-07T06:00:00.000Z", "2027-11-07T07:00:00.000Z"}},
        {"0 9 * * MON-FRI", "2027-03-12 12:00:00", {"2027-03-12T14:00:00.000Z", "2027-03-15T13:00:00.000Z"}},
    }, "America/New_York");
}

// America/Santiago changes at midnight: 2027-09-05 00:00 -04 -> 01:00 -03 at 04:00Z;
// 2027-04-04 00:00 -03 -> 2027-04-03 23:00 -04 at 03:00Z.
TEST_CASE("cron: a change at local midnight moves a daily job's day, not its count", "[cron]") {
    check_due_times({
        {"@daily", "2027-09-03 12:00:00",
         {"2027-09-04T04:00:00.000Z", "2027-09-05T04:00:00.000Z", "2027-09-06T03:00:00.000Z"}},
        {"30 23 * * *", "2027-04-02 12:00:00",
         {"2027-04-03T02:30:00.000Z", "2027-04-04T02:30:00.000Z", "2027-04-05T03:30:00.000Z"}},
        {"@daily", "2027-04-02 12:00:00",
         {"2027-04-03T03:00:00.000Z", "2027-04-04T04:00:00.000Z", "2027-04-05T04:00:00.000Z"}},
    }, "America/Santiago");
}

TEST_CASE("cron: time zones are IANA names from the system tzdata, UTC by default", "[cron]") {
    CHECK(std::holds_alternative<const date::time_zone*>(find_zone("Europe/Amsterdam")));
    CHECK(std::get<const date::time_zone*>(find_zone("")) == std::get<const date::time_zone*>(find_zone("UTC")));
    CHECK(std::holds_alternative<const date::time_zone*>(find_zone("US/Eastern")));  // a link
    CHECK(std::holds_alternative<CronError>(find_zone("utc")));  // names are case-sensitive
    CHECK(std::holds_alternative<CronError>(find_zone("../../../etc/passwd")));
    const auto unknown = find_zone("Mars/Olympus_Mons");
    REQUIRE(std::holds_alternative<CronError>(unknown));
    CHECK(std::get<CronError>(unknown).field == "timezone");
    CHECK_THAT(std::get<CronError>(unknown).message, Catch::Contains("unknown time zone `Mars/Olympus_Mons`"));
}
