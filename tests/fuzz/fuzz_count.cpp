// parse_count (common/count): the reader of every count option ("16", "10000").
// Invariants: it returns or throws std::invalid_argument; it accepts exactly
// the texts of decimal digits whose value is in range; what it returns is that
// value (its digits without leading zeros) and reads back.
#include "common/count.hpp"
#include "tests/fuzz/fuzz_check.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>

namespace {

std::optional<std::uint64_t> read(const std::string& text, std::uint64_t min, std::uint64_t max) {
    try {
        return fleet::parse_count(text, min, max);
    } catch (const std::invalid_argument&) {
        return std::nullopt;
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using fleet::fuzz::check;
    const std::string text(reinterpret_cast<const char*>(data), size);
    const bool digits = !text.empty() && std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
    const auto significant = text.substr(std::min(text.find_first_not_of('0'), text.size() - (text.empty() ? 0 : 1)));
    // Up to 2^64 - 1: at most 20 significant digits, and with 20 at most "18446744073709551615".
    const bool fits = significant.size() < 20 || (significant.size() == 20 && significant <= "18446744073709551615");

    const auto any = read(text, 0, std::numeric_limits<std::uint64_t>::max());
    check(any.has_value() == (digits && fits), "accepted exactly the digits of a 64-bit value", text);
    if (any) {
        check(std::to_string(*any) == significant, "the value is the digits' value", text);
        check(read(std::to_string(*any), *any, *any) == any, "a count reads back", text);
    }
    const auto small = read(text, 1, 64);
    check(small.has_value() == (any && *any >= 1 && *any <= 64), "a range refuses what is outside it", text);
    return 0;
}
