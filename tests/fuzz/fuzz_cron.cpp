// Cron expressions (backend/schedules/cron, next_times): what POST /api/v1/schedules reads.
// Invariants: parse_cron gives an expression or an error naming a field; an
// expression's normalised text parses back to the same expression and is its
// own normal form; its next due times, in UTC and across a DST change in
// Europe/Berlin, come strictly after the moment asked about.
#include "backend/schedules/cron.hpp"
#include "backend/schedules/next_times.hpp"
#include "backend/schedules/time_zone.hpp"
#include "tests/fuzz/fuzz_check.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <variant>

namespace {

using fleet::fuzz::check;
using namespace fleet::backend::schedules;

const date::time_zone& zone(std::string_view name) {
    const auto found = find_zone(name);
    if (!std::holds_alternative<const date::time_zone*>(found)) fleet::fuzz::fail("time zone missing", name);
    return *std::get<const date::time_zone*>(found);
}

void check_due_times(const CronExpression& expression, const date::time_zone& where, std::string_view text) {
    using namespace std::chrono;
    // 2027-03-28 00:30 UTC: half an hour before Berlin's clocks spring forward.
    const fleet::SystemTime after = sys_days{year{2027} / March / 28} + minutes{30};
    const fleet::SystemTime anchor = after - seconds{7};
    const auto first = next_after(expression, where, after, anchor);
    if (!first) return;
    check(*first > after, "the next due time is after the moment asked about", text);
    const auto second = next_after(expression, where, *first, anchor);
    if (second) check(*second > *first, "due times move forward", text);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    const auto result = parse_cron(text);
    if (const auto* error = std::get_if<CronError>(&result)) {
        static const std::set<std::string> fields{"second", "minute",      "hour",      "day-of-month",
                                                  "month",  "day-of-week", "expression", "timezone"};
        check(fields.contains(error->field), "an error names a field", error->field);
        check(!error->message.empty(), "an error says what is wrong", text);
        return 0;
    }
    const auto& expression = std::get<CronExpression>(result);
    const std::string normal = to_string(expression);
    const auto again = parse_cron(normal);
    check(std::holds_alternative<CronExpression>(again), "the normal form parses", normal);
    check(std::get<CronExpression>(again) == expression, "the normal form is the same expression", normal);
    check(to_string(std::get<CronExpression>(again)) == normal, "the normal form is its own normal form", normal);

    static const date::time_zone& utc = zone("UTC");
    static const date::time_zone& berlin = zone("Europe/Berlin");
    check_due_times(expression, utc, text);
    check_due_times(expression, berlin, text);
    return 0;
}
