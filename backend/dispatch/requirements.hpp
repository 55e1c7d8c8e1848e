#pragma once

#include <boost/json/object.hpp>

namespace fleet::backend {

// Whether a worker's capabilities meet an operation's requirements: a number
// is a minimum (`"cores": 4` needs at least 4), anything else must be equal
// (`"gpu": true`). A requirement the capabilities do not mention is not met.
bool meets(const boost::json::object& capabilities, const boost::json::object& requirements);

}  // namespace fleet::backend
