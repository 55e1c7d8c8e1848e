#pragma once

#include <cstddef>

namespace fleet {

// Lifts the soft limit on open descriptors to the hard one, once per process
// (a server holds a descriptor per connection, a backend one more per watched
// worker), and returns the soft limit in force afterwards.
std::size_t raise_fd_limit();

}  // namespace fleet
