#pragma once

#include "common/http/message.hpp"

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace fleet::http {

// A whole number from the query, 0..max, or `fallback` when absent; 400 naming it otherwise.
std::size_t query_size(const HttpRequest& request, std::string_view name, std::size_t fallback, std::size_t max);
// A query parameter that is present and not empty.
std::optional<std::string> query_text(const HttpRequest& request, std::string_view name);
// A duration ("30s", "500ms", plain seconds) of at most `max`; 0 when absent; 400 otherwise.
std::chrono::milliseconds query_duration(const HttpRequest& request, std::string_view name,
                                         std::chrono::milliseconds max);
// A path parameter that must be a plain id ([A-Za-z0-9_.:-]{1,128}); 400 saying `what` otherwise.
std::string id_param(const HttpRequest& request, std::string_view name, std::string_view what);

}  // namespace fleet::http
