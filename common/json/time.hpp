#pragma once

#include "common/clock.hpp"

#include <boost/json/value.hpp>

#include <optional>
#include <string_view>

namespace fleet::json {

// A timestamp as ISO 8601 text, or null when there is none.
boost::json::value iso8601_or_null(const std::optional<SystemTime>& time);

// ISO 8601 back into a time: `2026-11-22`, `2026-11-22T16:47:31`, with an
// optional fraction (`.123`) and `Z` or an offset (`+02:00`); no zone means UTC.
// Nothing for anything else, out-of-range fields included.
std::optional<SystemTime> parse_iso8601(std::string_view text);

}  // namespace fleet::json
