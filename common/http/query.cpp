#include "common/http/query.hpp"

#include "common/duration.hpp"
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

std::chrono::milliseconds query_duration(const HttpRequest& request, std::string_view name,
                                         std::chrono::milliseconds max) {
    const auto text = query_text(request, name);
    if (!text) return std::chrono::milliseconds{0};
    const auto refuse = [&] {
        return bad_request("query parameter '" + std::string(name) + "' must be a duration such as 30s or 500ms, at most " +
                           std::to_string(max.count() / 1000) + "s");
    };
    std::chrono::milliseconds value{};
    try {
        value = parse_duration(*text);
    } catch (const std::invalid_argument&) {
        throw refuse();
    }
    if (value.count() < 0 || value > max) throw refuse();
    return value;
}

std::string id_param(const HttpRequest& request, std::string_view name, std::string_view what) {
    std::string id(request.path_param(name));
    require_plain_id(id, what);
    return id;
}

}  // namespace fleet::http
