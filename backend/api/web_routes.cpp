#include "backend/api/web_routes.hpp"

#include "backend/web/web_files.hpp"
#include "common/http/error.hpp"

#include <string>

namespace fleet::backend {
namespace {

using http::HttpRequest;
using http::HttpResponse;

// The browser asks again each time (no-cache) and gets a 304 while the binary
// is the same, so a new build's dashboard shows at once.
constexpr const char* kCacheControl = "no-cache";
// Nothing but the backend itself: no CDN, no external font, no inline script.
constexpr const char* kContentSecurityPolicy =
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const WebFile* find_file(std::string_view name) {
    for (const auto& file : builtin_web_files()) {
        if (file.name == name) return &file;
    }
    return nullptr;
}

// True when the If-None-Match list names this ETag (or is `*`).
bool matches(std::string_view if_none_match, std::string_view etag) {
    if (if_none_match.empty()) return false;
    if (if_none_match == "*") return true;
    std::size_t start = 0;
    while (start < if_none_match.size()) {
        auto end = if_none_match.find(',', start);
        if (end == std::string_view::npos) end = if_none_match.size();
        auto tag = if_none_match.substr(start, end - start);
        while (!tag.empty() && tag.front() == ' ') tag.remove_prefix(1);
        while (!tag.empty() && tag.back() == ' ') tag.remove_suffix(1);
        if (tag.starts_with("W/")) tag.remove_prefix(2);
        if (tag == etag) return true;
        start = end + 1;
    }
    return false;
}

HttpResponse serve(const HttpRequest& request, std::string_view name) {
    const auto* file = find_file(name);
    if (!file) throw http::not_found("no dashboard file '" + std::string(name) + "'");
    HttpResponse response;
    response.headers = {{"ETag", std::string(file->etag)},
                        {"Cache-Control", kCacheControl},
                        {"X-Content-Type-Options", "nosniff"}};
    if (name.ends_with(".html")) {
        response.headers.emplace_back("Content-Security-Policy", kContentSecurityPolicy);
        response.headers.emplace_back("Referrer-Policy", "no-referrer");
    }
    response.content_type = std::string(file->content_type);
    if (matches(request.if_none_match, file->etag)) {
        response.status = 304;
        return response;
    }
    response.body = std::string(file->body);
    return response;
}

}  // namespace

void add_web_routes(http::Router& router) {
    // The router reads "/ui" and "/ui/" alike; only the path tells them apart.
    router.get("/ui", [](const HttpRequest& request) {
        if (request.path == "/ui/") return serve(request, "index.html");
        HttpResponse moved = HttpResponse::text(301, "see /ui/\n");
        moved.headers.emplace_back("Location", "/ui/");
        return moved;
    });
    router.get("/ui/{file}", [](const HttpRequest& request) { return serve(request, request.path_param("file")); });
}

}  // namespace fleet::backend
