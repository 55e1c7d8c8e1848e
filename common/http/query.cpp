#include "common/http/query.hpp"

#include "common/http/error.hpp"

#include <charconv>

namespace fleet::http {

std::size_t query_size(const HttpRequest& request, std::string_view name, std::size_t fallback, std::size_t max) {
    const auto text = query_text(request, name);
    if (!text) return fallback;
    std::size_t value = 0;
    const auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
    if (ec != std::errc{} || end != text->data() + text->size() || value > max)
        throw bad_request("query parameter '" + std::string(name) + "' must be an integer from 0 to " +
                          std::to_string(max));
    return value;
}

std::optional<std::string> query_text(const HttpRequest& request, std::string_view name) {
    auto value = request.query_param(name);
    if (value && value->empty()) return std::nullopt;
    return value;
}

std::string id_param(const HttpRequest& request, std::string_view name, std::string_view what) {
    std::string id(request.path_param(name));
    require_plain_id(id, what);
    return id;
}

}  // namespace fleet::http
