#pragma once

#include <chrono>
#include <string_view>

namespace fleet {

// Plain seconds ("0.5", "30") or with a unit ("500ms", "10s", "5m", "1h", "30d").
// Throws std::invalid_argument naming the text on anything else, and past
// 1e9 seconds (about 31 years), which would overflow a clock's time_point.
std::chrono::milliseconds parse_duration(std::string_view text);

}  // namespace fleet
