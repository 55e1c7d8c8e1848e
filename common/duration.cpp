#include "common/duration.hpp"

#include <cmath>
#include <stdexcept>
#include <string>

namespace fleet {
namespace {

// About 31 years: longer than any timeout, and short enough that now + the
// duration fits in every clock's time_point (steady_clock counts nanoseconds).
constexpr double kMaxMilliseconds = 1e12;

}  // namespace

std::chrono::milliseconds parse_duration(std::string_view text) {
    const std::string s(text);
    std::size_t used = 0;
    double value = 0;
    try {
        value = std::stod(s, &used);
    } catch (const std::exception&) {
        throw std::invalid_argument("not a duration: '" + s + "'");
    }
    const std::string_view unit = text.substr(used);
    double scale = 0;
    if (unit.empty() || unit == "s") scale = 1000;
    else if (unit == "ms") scale = 1;
    else if (unit == "m") scale = 60'000;
    else if (unit == "h") scale = 3'600'000;
    else if (unit == "d") scale = 86'400'000;
    else throw std::invalid_argument("not a duration: '" + s + "' (units: ms, s, m, h, d)");
    if (!std::isfinite(value) || value < 0) throw std::invalid_argument("not a duration: '" + s + "'");
    if (value * scale > kMaxMilliseconds)
        throw std::invalid_argument("duration too long: '" + s + "' (at most 1e9 s, about 31 years)");
    return std::chrono::milliseconds(static_cast<long long>(std::llround(value * scale)));
}

}  // namespace fleet
