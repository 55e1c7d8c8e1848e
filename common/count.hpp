#pragma once

#include <cstdint>
#include <string_view>

namespace fleet {

// A count on a command line or in an environment variable: plain decimal
// digits ("0", "16", "10000"; no sign, space, hex, exponent or suffix) from
// `min` to `max`. Throws std::invalid_argument quoting the text and the range.
// strtoul would read "-5" as 2^64-5; this reader refuses it.
std::uint64_t parse_count(std::string_view text, std::uint64_t min, std::uint64_t max);

}  // namespace fleet
