#include "common/count.hpp"

#include <algorithm>
#include <charconv>
#include <stdexcept>
#include <string>

namespace fleet {

std::uint64_t parse_count(std::string_view text, std::uint64_t min, std::uint64_t max) {
    const std::string range = "from " + std::to_string(min) + " to " + std::to_string(max);
    const std::string quoted = "'" + std::string(text) + "'";
    const bool digits = !text.empty() && std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
    if (!digits) throw std::invalid_argument(quoted + " is not a plain decimal number (digits only, " + range + ")");
    std::uint64_t value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    // Only digits, so the one way to fail is a number past 2^64 - 1: too large for any range.
    if (ec == std::errc::result_out_of_range || value > max)
        throw std::invalid_argument(quoted + " is too large (at most " + std::to_string(max) + ")");
    if (value < min) throw std::invalid_argument(quoted + " is too small (at least " + std::to_string(min) + ")");
    return value;
}

}  // namespace fleet
