#pragma once

#include "common/http/message.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace fleet::http {

// A whole number from the query, 0..max, or `fallback` when absent; 400 naming it otherwise.
std::size_t query_size(const HttpRequest& request, std::string_view name, std::size_t fallback, std::size_t max);
// A query parameter that is present and not empty.
std::optional<std::string> query_text(const HttpRequest& request, std::string_view name);

}  // namespace fleet::http
