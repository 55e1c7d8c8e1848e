#include "common/json/time.hpp"

#include <boost/json/string.hpp>

namespace fleet::json {

boost::json::value iso8601_or_null(const std::optional<SystemTime>& time) {
    if (!time) return nullptr;
    return boost::json::string(to_iso8601(*time));
}

}  // namespace fleet::json
