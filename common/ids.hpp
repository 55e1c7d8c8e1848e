#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>

namespace fleet {

// `n` lowercase hex characters from a per-thread generator seeded with 256 bits
// from std::random_device (unique, not secret: not for tokens).
std::string random_hex(std::size_t n);

// `prefix`, the milliseconds of `now` since the Unix epoch as 12 hex
// characters, then `random_chars` random hex characters: ids in the order they
// were made, so a store's index of them grows at one end (a random id lands on
// a random page of it, and every insert rewrites one).
std::string time_ordered_id(std::string_view prefix, std::chrono::system_clock::time_point now,
                            std::size_t random_chars);

// Ids that may appear in paths, logs and SQL: [A-Za-z0-9_.:-]{1,128}.
bool is_plain_id(std::string_view id);

}  // namespace fleet
