#pragma once

#include <boost/json/object.hpp>

namespace fleet::backend {

// Whether a worker's capabilities meet an operation's requirements: a number
// is a minimum (`"cores": 4` needs at least 4), anything else must be equal
// (`"gpu": true`). A requirement the capabilities do not mention is not met.
// Memory is one quantity in two units: `memory_gb` (what workers report, as in
// the KTRDR guide) and `memory_mb` (what they reported before, 1 GB = 1024 MB);
// a requirement in either is met by capabilities in either.
bool meets(const boost::json::object& capabilities, const boost::json::object& requirements);

}  // namespace fleet::backend
