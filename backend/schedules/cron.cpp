#include "backend/schedules/cron.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <span>
#include <vector>

namespace fleet::backend::schedules {
namespace {

using namespace std::chrono_literals;

constexpr std::array<std::string_view, 12> kMonthNames{"JAN", "FEB", "MAR", "APR", "MAY", "JUN",
                                                       "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};
constexpr std::array<std::string_view, 7> kDayNames{"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"};
// The most days each month can have (February: 29, in leap years).
constexpr std::array<int, 13> kMaxMonthDays{0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
constexpr std::chrono::seconds kMaxEvery = 366 * 24h;

struct FieldSpec {
    CronField field;
    std::string_view name;
    int min;
    int max;  // day-of-week: 7, read as Sunday
    std::span<const std::string_view> names;  // names[i] is the value min + i (month) or i (day)
};

constexpr std::array<FieldSpec, kCronFields> kSpecs{{
    {CronField::Second, "second", 0, 59, {}},
    {CronField::Minute, "minute", 0, 59, {}},
    {CronField::Hour, "hour", 0, 23, {}},
    {CronField::DayOfMonth, "day-of-month", 1, 31, {}},
    {CronField::Month, "month", 1, 12, kMonthNames},
    {CronField::DayOfWeek, "day-of-week", 0, 7, kDayNames},
}};

// Thrown inside the parser, returned by parse_cron: one way out for every error.
struct ParseFailure {
    CronError error;
};

[[noreturn]] void fail(std::string_view field, std::string message) {
    throw ParseFailure{CronError{std::string(field), std::move(message)}};
}

// The last value a step runs to: day-of-week's 7 is only another name for Sunday.
int field_end(const FieldSpec& spec) { return spec.field == CronField::DayOfWeek ? 6 : spec.max; }

std::string quoted(std::string_view text) { return "`" + std::string(text) + "`"; }

std::string upper(std::string_view text) {
    std::string result(text);
    for (auto& c : result) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return result;
}

std::vector<std::string_view> split(std::string_view text, char separator) {
    std::vector<std::string_view> parts;
    std::size_t start = 0;
    while (true) {
        const auto end = text.find(separator, start);
        parts.push_back(text.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
        if (end == std::string_view::npos) return parts;
        start = end + 1;
    }
}

std::vector<std::string_view> split_whitespace(std::string_view text) {
    std::vector<std::string_view> words;
    std::size_t i = 0;
    while (i < text.size()) {
        while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
        const auto start = i;
        while (i < text.size() && !std::isspace(static_cast<unsigned char>(text[i]))) ++i;
        if (i > start) words.push_back(text.substr(start, i - start));
    }
    return words;
}

std::optional<int> parse_number(std::string_view text) {
    if (text.empty() || text.size() > 9) return std::nullopt;
    int value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
    return value;
}

std::string range_text(const FieldSpec& spec) {
    std::string text = std::to_string(spec.min) + "-" + std::to_string(spec.max);
    if (!spec.names.empty())
        text += " or " + std::string(spec.names.front()) + "-" + std::string(spec.names.back());
    return text;
}

int parse_value(std::string_view text, const FieldSpec& spec) {
    if (text.empty()) fail(spec.name, "a value is missing (in " + range_text(spec) + ")");
    if (const auto number = parse_number(text)) {
        if (*number < spec.min || *number > spec.max)
            fail(spec.name, quoted(text) + " is out of range " + range_text(spec));
        return *number;
    }
    const auto name = upper(text);
    for (std::size_t i = 0; i < spec.names.size(); ++i)
        if (spec.names[i] == name) return static_cast<int>(i) + (spec.field == CronField::Month ? 1 : 0);
    fail(spec.name, quoted(text) + " is not a value: expected " + range_text(spec));
}

int parse_step(std::string_view text, const FieldSpec& spec) {
    const auto step = parse_number(text);
    if (!step) fail(spec.name, "step " + quoted(text) + " is not a whole number");
    if (*step < 1) fail(spec.name, "step must be at least 1");
    if (*step > spec.max - spec.min)
        fail(spec.name, "step " + std::to_string(*step) + " is larger than the range " + range_text(spec));
    return *step;
}

// One field as written: its values and, for the day fields, the rules bits cannot say.
struct ParsedField {
    std::bitset<64> values;
    std::uint8_t star_step = 0;
    std::bitset<31> days_before_last;
    std::bitset<7> last_weekdays;
    std::array<std::bitset<6>, 7> nth_weekdays;
};

void add_range(ParsedField& out, int first, int last, int step) {
    for (int v = first; v <= last; v += step) out.values.set(static_cast<std::size_t>(v));
}

bool parse_day_of_month_special(std::string_view item, const FieldSpec& spec, ParsedField& out) {
    const auto text = upper(item);
    if (text.find('W') != std::string::npos)
        fail(spec.name, quoted(item) + ": `W` (nearest weekday) is not supported");
    if (text.empty() || text.front() != 'L') return false;
    if (text == "L") {
        out.days_before_last.set(0);
        return true;
    }
    const auto offset =
        text.size() > 2 && text[1] == '-' ? parse_number(std::string_view(text).substr(2)) : std::nullopt;
    if (!offset || *offset < 1 || *offset > 30)
        fail(spec.name, quoted(item) + " is not `L` or `L-n` with n in 1-30 (days before the last day)");
    out.days_before_last.set(static_cast<std::size_t>(*offset));
    return true;
}

bool parse_day_of_week_special(std::string_view item, const FieldSpec& spec, ParsedField& out) {
    if (const auto hash = item.find('#'); hash != std::string_view::npos) {
        const int day = parse_value(item.substr(0, hash), spec) % 7;
        const auto nth = parse_number(item.substr(hash + 1));
        if (!nth || *nth < 1 || *nth > 5)
            fail(spec.name, quoted(item) + ": the number after `#` must be 1-5 (which week of the month)");
        out.nth_weekdays[static_cast<std::size_t>(day)].set(static_cast<std::size_t>(*nth));
        return true;
    }
    if (item.empty() || std::toupper(static_cast<unsigned char>(item.back())) != 'L') return false;
    if (item.size() == 1)
        fail(spec.name, "`L` alone is not a day of the week: write e.g. `5L` or `FRIL` for the month's last Friday");
    out.last_weekdays.set(static_cast<std::size_t>(parse_value(item.substr(0, item.size() - 1), spec) % 7));
    return true;
}

void parse_item(std::string_view item, const FieldSpec& spec, ParsedField& out) {
    if (item.empty()) fail(spec.name, "empty item in a list (two commas, or a comma at an end)");
    if (spec.field == CronField::DayOfMonth && parse_day_of_month_special(item, spec, out)) return;
    if (spec.field == CronField::DayOfWeek && parse_day_of_week_special(item, spec, out)) return;

    const auto slash = item.find('/');
    const auto base = item.substr(0, slash);
    const int step = slash == std::string_view::npos ? 1 : parse_step(item.substr(slash + 1), spec);
    if (const auto dash = base.find('-'); dash != std::string_view::npos) {
        const int first = parse_value(base.substr(0, dash), spec);
        const int last = parse_value(base.substr(dash + 1), spec);
        if (first > last)
            fail(spec.name, "range " + quoted(base) + " goes backwards; write the smaller value first");
        add_range(out, first, last, step);
        return;
    }
    const int first = parse_value(base, spec);
    // `5/15` means from 5 to the end of the field, every 15; day-of-week's `7/n` is Sunday alone.
    add_range(out, first, slash == std::string_view::npos ? first : std::max(first, field_end(spec)), step);
}

ParsedField parse_field(std::string_view text, const FieldSpec& spec) {
    ParsedField out;
    const bool day_field = spec.field == CronField::DayOfMonth || spec.field == CronField::DayOfWeek;
    if (text == "?") {
        if (!day_field) fail(spec.name, "`?` is only allowed in day-of-month and day-of-week");
        text = "*";
    }
    if (!text.empty() && text.front() == '*') {
        if (text.find(',') != std::string_view::npos)
            fail(spec.name, "`*` cannot be combined with other values in a list");
        if (text.size() > 1 && text[1] != '/') fail(spec.name, quoted(text) + " is not `*` or `*/step`");
        const int step = text.size() == 1 ? 1 : parse_step(text.substr(2), spec);
        add_range(out, spec.min, field_end(spec), step);
        out.star_step = static_cast<std::uint8_t>(step);
        return out;
    }
    if (text.find('?') != std::string_view::npos)
        fail(spec.name, "`?` stands alone, meaning any value, in a day field");
    for (const auto item : split(text, ',')) parse_item(item, spec, out);
    if (spec.field == CronField::DayOfWeek && out.values.test(7)) {
        out.values.reset(7);
        out.values.set(0);
    }
    return out;
}

template <std::size_t N>
std::bitset<N> narrow(const std::bitset<64>& bits) {
    std::bitset<N> result;
    for (std::size_t i = 0; i < N; ++i) result[i] = bits[i];
    return result;
}

// With day-of-week unrestricted, a day-of-month list no selected month has
// would never match: say so now rather than search for years.
void check_days_exist(const CronExpression& e) {
    if (e.is_star(CronField::DayOfMonth) || !e.is_star(CronField::DayOfWeek) || e.days_before_last.any()) return;
    int first_day = 1;
    while (first_day < 31 && !e.days_of_month[static_cast<std::size_t>(first_day)]) ++first_day;
    int longest = 0;
    for (int m = 1; m <= 12; ++m)
        if (e.months[static_cast<std::size_t>(m)])
            longest = std::max(longest, kMaxMonthDays[static_cast<std::size_t>(m)]);
    if (first_day > longest)
        fail("day-of-month", "day " + std::to_string(first_day) +
                                 " never occurs in the selected months (they have at most " +
                                 std::to_string(longest) + " days)");
}

CronExpression parse_fields(const std::vector<std::string_view>& words) {
    CronExpression e;
    const std::size_t skip = words.size() == 5 ? 1 : 0;  // 5 fields: seconds are 0
    std::array<ParsedField, kCronFields> fields;
    fields[0].values.set(0);
    for (std::size_t i = skip; i < kCronFields; ++i) fields[i] = parse_field(words[i - skip], kSpecs[i]);
    for (std::size_t i = 0; i < kCronFields; ++i) e.star_step[i] = fields[i].star_step;
    e.seconds = narrow<60>(fields[0].values);
    e.minutes = narrow<60>(fields[1].values);
    e.hours = narrow<24>(fields[2].values);
    e.days_of_month = narrow<32>(fields[3].values);
    e.days_before_last = fields[3].days_before_last;
    e.months = narrow<13>(fields[4].values);
    e.days_of_week = narrow<7>(fields[5].values);
    e.last_weekdays = fields[5].last_weekdays;
    e.nth_weekdays = fields[5].nth_weekdays;
    check_days_exist(e);
    return e;
}

std::chrono::seconds parse_every(std::string_view text) {
    if (text.empty()) fail("expression", "`@every` needs a duration, e.g. `@every 90s`, `@every 5m` or `@every 1h30m`");
    std::chrono::seconds total{0};
    std::size_t i = 0;
    while (i < text.size()) {
        const auto start = i;
        while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i;
        const auto number = parse_number(text.substr(start, i - start));
        if (!number || i == text.size())
            fail("expression", "`@every " + std::string(text) +
                                   "`: write whole numbers with units h, m or s, e.g. `1h30m` or `90s`");
        const char unit = static_cast<char>(std::tolower(static_cast<unsigned char>(text[i++])));
        const std::chrono::seconds unit_length = unit == 'h' ? 3600s : unit == 'm' ? 60s : unit == 's' ? 1s : 0s;
        if (unit_length == 0s)
            fail("expression", "`@every " + std::string(text) + "`: unknown unit `" + std::string(1, unit) +
                                   "` (use h, m or s)");
        total += *number * unit_length;
        if (total > kMaxEvery) fail("expression", "`@every` is at most 8784h (366 days)");
    }
    if (total < 1s) fail("expression", "`@every` must be at least 1s");
    return total;
}

struct Macro {
    std::string_view name;
    std::string_view fields;
};
constexpr std::array<Macro, 7> kMacros{{
    {"@yearly", "0 0 0 1 1 *"},
    {"@annually", "0 0 0 1 1 *"},
    {"@monthly", "0 0 0 1 * *"},
    {"@weekly", "0 0 0 * * 0"},
    {"@daily", "0 0 0 * * *"},
    {"@midnight", "0 0 0 * * *"},
    {"@hourly", "0 0 * * * *"},
}};

CronExpression parse_macro(const std::vector<std::string_view>& words) {
    std::string name(words.front());
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (name == "@every") {
        if (words.size() > 2) fail("expression", "`@every` takes one duration without spaces, e.g. `@every 1h30m`");
        CronExpression e;
        e.every = parse_every(words.size() == 2 ? words[1] : std::string_view());
        return e;
    }
    for (const auto& macro : kMacros) {
        if (macro.name != name) continue;
        if (words.size() > 1) fail("expression", quoted(macro.name) + " takes nothing after it");
        return parse_fields(split_whitespace(macro.fields));
    }
    if (name == "@reboot") fail("expression", "`@reboot` is not supported: a schedule runs at times, not at start-up");
    fail("expression", "unknown macro " + quoted(words.front()) +
                           " (expected @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly or @every)");
}

CronExpression parse(std::string_view text) {
    const auto words = split_whitespace(text);
    if (words.empty()) fail("expression", "the cron expression is empty");
    if (words.front().starts_with("CRON_TZ=") || words.front().starts_with("TZ="))
        fail("expression", "give the time zone in `timezone`, not as a prefix of the expression");
    if (words.front().front() == '@') return parse_macro(words);
    if (words.size() != 5 && words.size() != 6)
        fail("expression", "expected 5 fields (minute hour day-of-month month day-of-week) or 6 (seconds first), got " +
                               std::to_string(words.size()));
    return parse_fields(words);
}

void add_item(std::string& field, const std::string& item) { field += (field.empty() ? "" : ",") + item; }

// Values as a list, consecutive runs of three or more as ranges: `0-5,10,12`.
template <std::size_t N>
void append_values(std::string& field, const std::bitset<N>& bits) {
    for (std::size_t v = 0; v < N; ++v) {
        if (!bits[v]) continue;
        std::size_t last = v;
        while (last + 1 < N && bits[last + 1]) ++last;
        if (last - v >= 2) {
            add_item(field, std::to_string(v) + "-" + std::to_string(last));
        } else {
            for (std::size_t x = v; x <= last; ++x) add_item(field, std::to_string(x));
        }
        v = last;
    }
}

std::string every_text(std::chrono::seconds period) {
    const auto h = std::chrono::duration_cast<std::chrono::hours>(period);
    const auto m = std::chrono::duration_cast<std::chrono::minutes>(period - h);
    const auto s = period - h - m;
    std::string text = "@every ";
    if (h.count()) text += std::to_string(h.count()) + "h";
    if (m.count()) text += std::to_string(m.count()) + "m";
    if (s.count()) text += std::to_string(s.count()) + "s";
    return text;
}

}  // namespace

bool CronExpression::is_wildcard_time() const {
    return is_star(CronField::Second) || is_star(CronField::Minute) || is_star(CronField::Hour);
}

bool CronExpression::day_matches(int year, unsigned month, unsigned day) const {
    using namespace std::chrono;
    const year_month_day date{std::chrono::year{year} / std::chrono::month{month} / std::chrono::day{day}};
    const auto last_day = year_month_day_last{date.year(), month_day_last{date.month()}}.day();
    const unsigned last = static_cast<unsigned>(last_day);
    const unsigned weekday_index = weekday{sys_days{date}}.c_encoding();
    const bool dom = days_of_month[day] || (last - day < 31 && days_before_last[last - day]);
    const bool dow = days_of_week[weekday_index] || (last_weekdays[weekday_index] && day + 7 > last) ||
                     nth_weekdays[weekday_index][(day - 1) / 7 + 1];
    if (is_star(CronField::DayOfMonth) || is_star(CronField::DayOfWeek)) return dom && dow;
    return dom || dow;
}

CronParse parse_cron(std::string_view text) {
    try {
        return parse(text);
    } catch (const ParseFailure& failure) {
        return failure.error;
    }
}

std::string to_string(const CronExpression& e) {
    if (e.every) return every_text(*e.every);
    std::array<std::string, kCronFields> fields;
    append_values(fields[0], e.seconds);
    append_values(fields[1], e.minutes);
    append_values(fields[2], e.hours);
    append_values(fields[3], e.days_of_month);
    for (std::size_t n = 0; n < e.days_before_last.size(); ++n)
        if (e.days_before_last[n]) add_item(fields[3], n == 0 ? "L" : "L-" + std::to_string(n));
    append_values(fields[4], e.months);
    append_values(fields[5], e.days_of_week);
    for (std::size_t d = 0; d < 7; ++d) {
        if (e.last_weekdays[d]) add_item(fields[5], std::to_string(d) + "L");
        for (std::size_t n = 1; n < 6; ++n)
            if (e.nth_weekdays[d][n]) add_item(fields[5], std::to_string(d) + "#" + std::to_string(n));
    }
    std::string text;
    for (std::size_t i = 0; i < kCronFields; ++i) {
        const auto step = e.star_step[i];
        if (step == 1) fields[i] = "*";
        if (step > 1) fields[i] = "*/" + std::to_string(step);
        text += (i == 0 ? "" : " ") + fields[i];
    }
    return text;
}

}  // namespace fleet::backend::schedules
