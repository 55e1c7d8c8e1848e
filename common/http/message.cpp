#include "common/http/message.hpp"

#include "common/json/text.hpp"

#include <boost/url/parse_query.hpp>
#include <boost/url/pct_string_view.hpp>

namespace fleet::http {

std::string_view to_string(Method method) {
    switch (method) {
        case Method::Get: return "GET";
        case Method::Head: return "HEAD";
        case Method::Post: return "POST";
        case Method::Put: return "PUT";
        case Method::Patch: return "PATCH";
        case Method::Delete: return "DELETE";
        case Method::Options: return "OPTIONS";
        case Method::Other: return "OTHER";
    }
    return "OTHER";
}

std::optional<std::string> HttpRequest::query_param(std::string_view name) const {
    auto parsed = boost::urls::parse_query(query);
    if (!parsed) return std::nullopt;
    for (const auto& param : *parsed) {
        if (param.key.decode() != name) continue;
        if (!param.has_value) return std::string{};
        // Forms send '+' for a space; an encoded plus (%2B) stays a plus.
        std::string encoded;
        for (char c : param.value) encoded += (c == '+') ? std::string_view("%20") : std::string_view(&c, 1);
        auto value = boost::urls::make_pct_string_view(encoded);
        return value ? value->decode() : std::string{};
    }
    return std::nullopt;
}

std::string_view HttpRequest::path_param(std::string_view name) const {
    for (const auto& [key, value] : path_params)
        if (key == name) return value;
    return {};
}

HttpResponse HttpResponse::json(int status, const boost::json::value& body) {
    HttpResponse response;
    response.status = status;
    response.body = json::to_text(body);
    return response;
}

HttpResponse HttpResponse::text(int status, std::string body, std::string content_type) {
    HttpResponse response;
    response.status = status;
    response.body = std::move(body);
    response.content_type = std::move(content_type);
    return response;
}

}  // namespace fleet::http
