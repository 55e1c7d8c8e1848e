#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace fleet {

// `n` lowercase hex characters from a per-thread generator seeded with 256 bits
// from std::random_device (unique, not secret: not for tokens).
std::string random_hex(std::size_t n);

// Ids that may appear in paths, logs and SQL: [A-Za-z0-9_.:-]{1,128}.
bool is_plain_id(std::string_view id);

}  // namespace fleet
