#include "common/http/auth.hpp"

#include "common/http/error.hpp"

namespace fleet::http {
namespace {

bool equal_constant_time(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    unsigned char diff = 0;
    for (std::size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
    return diff == 0;
}

}  // namespace

Guard bearer_guard(std::string token) {
    return [token = std::move(token)](const HttpRequest& request) {
        if (token.empty()) return;
        const bool reads = request.method == Method::Get || request.method == Method::Head;
        if (reads && (request.path == "/health" || request.path == "/metrics")) return;
        if (reads && (request.path == "/openapi.yaml" || request.path == "/docs")) return;  // the API's description
        // The dashboard's own files carry no data; the page asks for the token before it reads any.
        if (reads && (request.path == "/ui" || request.path.starts_with("/ui/"))) return;
        constexpr std::string_view kBearer = "Bearer ";
        const std::string_view given = request.authorization;
        if (given.starts_with(kBearer) && equal_constant_time(given.substr(kBearer.size()), token)) return;
        throw ApiError(401, "missing or invalid bearer token").with_header("WWW-Authenticate", "Bearer");
    };
}

}  // namespace fleet::http
