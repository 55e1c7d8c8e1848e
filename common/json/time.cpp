#include "common/json/time.hpp"

#include <boost/json/string.hpp>

#include <algorithm>

namespace fleet::json {

boost::json::value iso8601_or_null(const std::optional<SystemTime>& time) {
    if (!time) return nullptr;
    return boost::json::string(to_iso8601(*time));
}

namespace {

// Reads exactly `width` digits at `at`, moving it on.
std::optional<int> digits(std::string_view text, std::size_t& at, std::size_t width) {
    if (at + width > text.size()) return std::nullopt;
    int value = 0;
    for (std::size_t i = 0; i < width; ++i) {
        const char c = text[at + i];
        if (c < '0' || c > '9') return std::nullopt;
        value = value * 10 + (c - '0');
    }
    at += width;
    return value;
}

bool expect(std::string_view text, std::size_t& at, char c) {
    if (at >= text.size() || text[at] != c) return false;
    ++at;
    return true;
}

}  // namespace

std::optional<SystemTime> parse_iso8601(std::string_view text) {
    using namespace std::chrono;
    std::size_t at = 0;
    const auto y = digits(text, at, 4);
    if (!y || !expect(text, at, '-')) return std::nullopt;
    const auto mo = digits(text, at, 2);
    if (!mo || !expect(text, at, '-')) return std::nullopt;
    const auto d = digits(text, at, 2);
    if (!d) return std::nullopt;
    const year_month_day date{year{*y}, month{static_cast<unsigned>(*mo)}, day{static_cast<unsigned>(*d)}};
    if (!date.ok()) return std::nullopt;
    // In milliseconds, which reach far past the years a SystemTime (nanoseconds) can hold.
    sys_time<milliseconds> t = sys_days{date};
    const auto fits = [](sys_time<milliseconds> ms) -> std::optional<SystemTime> {
        const auto lowest = time_point_cast<milliseconds>(SystemTime::min()) + milliseconds{1};
        const auto highest = time_point_cast<milliseconds>(SystemTime::max()) - milliseconds{1};
        return std::clamp(ms, lowest, highest);
    };
    if (at == text.size()) return fits(t);
    if (text[at] != 'T' && text[at] != 't' && text[at] != ' ') return std::nullopt;
    ++at;
    const auto h = digits(text, at, 2);
    if (!h || *h > 23 || !expect(text, at, ':')) return std::nullopt;
    const auto mi = digits(text, at, 2);
    if (!mi || *mi > 59 || !expect(text, at, ':')) return std::nullopt;
    const auto s = digits(text, at, 2);
    if (!s || *s > 60) return std::nullopt;
    t += hours{*h} + minutes{*mi} + seconds{*s};
    if (at < text.size() && text[at] == '.') {
        ++at;
        std::int64_t ms = 0;
        int places = 0;
        const std::size_t first = at;
        for (; at < text.size() && text[at] >= '0' && text[at] <= '9'; ++at)
            if (places < 3) ms = ms * 10 + (text[at] - '0'), ++places;
        if (at == first) return std::nullopt;
        for (; places < 3; ++places) ms *= 10;
        t += milliseconds{ms};
    }
    if (at == text.size()) return fits(t);
    if (text[at] == 'Z' || text[at] == 'z') return at + 1 == text.size() ? fits(t) : std::nullopt;
    if (text[at] != '+' && text[at] != '-') return std::nullopt;
    const int sign = text[at] == '+' ? 1 : -1;
    ++at;
    const auto oh = digits(text, at, 2);
    if (!oh || *oh > 23 || !expect(text, at, ':')) return std::nullopt;
    const auto om = digits(text, at, 2);
    if (!om || *om > 59 || at != text.size()) return std::nullopt;
    // 12:00+02:00 is 10:00 UTC.
    return fits(t - sign * (hours{*oh} + minutes{*om}));
}

}  // namespace fleet::json
