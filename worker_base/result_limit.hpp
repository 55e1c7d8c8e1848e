#pragma once

#include <boost/json/value.hpp>

#include <cstddef>
#include <optional>
#include <string>

namespace fleet::worker {

inline constexpr std::size_t kDefaultMaxResultBytes = 4 * 1024 * 1024;
inline constexpr std::size_t kMinResultBytes = 1024;
inline constexpr std::size_t kMaxResultBytes = 1024 * 1024 * 1024;

// Why a result may not leave the worker: its JSON is longer than `max_bytes`
// (the worker's --max-result-bytes). Checked where the result is made, so an
// operation too large to deliver fails on the worker with this message
// instead of every route that would carry it refusing it later.
std::optional<std::string> result_too_large(const boost::json::value& result, std::size_t max_bytes);

}  // namespace fleet::worker
