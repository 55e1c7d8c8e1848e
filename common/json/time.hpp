#pragma once

#include "common/clock.hpp"

#include <boost/json/value.hpp>

#include <optional>

namespace fleet::json {

// A timestamp as ISO 8601 text, or null when there is none.
boost::json::value iso8601_or_null(const std::optional<SystemTime>& time);

}  // namespace fleet::json
