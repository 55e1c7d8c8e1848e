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
// A path parameter that must be a plain id ([A-Za-z0-9_.:-]{1,128}); 400 saying `what` otherwise.
std::string id_param(const HttpRequest& request, std::string_view name, std::string_view what);

}  // namespace fleet::http
