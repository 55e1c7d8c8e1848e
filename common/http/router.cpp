#include "common/http/router.hpp"

#include "common/http/error.hpp"
#include "common/log.hpp"

#include <exception>

namespace fleet::http {
namespace {

std::vector<std::string_view> split_path(std::string_view path) {
    std::vector<std::string_view> segments;
    if (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
    std::size_t start = path.empty() || path.front() != '/' ? 0 : 1;
    while (start <= path.size()) {
        const std::size_t end = path.find('/', start);
        if (end == std::string_view::npos) {
            segments.push_back(path.substr(start));
            break;
        }
        segments.push_back(path.substr(start, end - start));
        start = end + 1;
    }
    return segments;
}

}  // namespace

Router& Router::get(std::string pattern, SyncHandler handler) {
    return add(Method::Get, std::move(pattern), std::move(handler));
}
Router& Router::post(std::string pattern, SyncHandler handler) {
    return add(Method::Post, std::move(pattern), std::move(handler));
}
Router& Router::del(std::string pattern, SyncHandler handler) {
    return add(Method::Delete, std::move(pattern), std::move(handler));
}

Router& Router::add(Method method, std::string pattern, SyncHandler handler) {
    return add_async(method, std::move(pattern), [handler = std::move(handler)](HttpRequest request, Reply reply) {
        reply(handler(request));
    });
}

Router& Router::add_async(Method method, std::string pattern, AsyncHandler handler) {
    Route route{method, pattern, {}, std::move(handler)};
    for (auto segment : split_path(pattern)) route.segments.emplace_back(segment);
    routes_.push_back(std::move(route));
    return *this;
}

Router& Router::guard(Guard guard) {
    guard_ = std::move(guard);
    return *this;
}

bool Router::match(const Route& route, const std::vector<std::string_view>& path, Fields& params) {
    if (route.segments.size() != path.size()) return false;
    params.clear();
    for (std::size_t i = 0; i < path.size(); ++i) {
        const std::string& want = route.segments[i];
        if (want.size() > 2 && want.front() == '{' && want.back() == '}') {
            if (path[i].empty()) return false;
            params.emplace_back(want.substr(1, want.size() - 2), path[i]);
        } else if (want != path[i]) {
            return false;
        }
    }
    return true;
}

void Router::handle(HttpRequest request, Reply reply) const {
    const Route* chosen = nullptr;
    try {
        if (guard_) guard_(request);
        const auto path = split_path(request.path);
        std::string allowed;
        Fields params;
        for (const auto& route : routes_) {
            if (!match(route, path, params)) continue;
            // HEAD is GET without the body, which the server leaves out (RFC 9110 9.3.2).
            if (route.method == request.method || (request.method == Method::Head && route.method == Method::Get)) {
                chosen = &route;
                request.path_params = std::move(params);
                route.handler(std::move(request), reply);
                return;
            }
            if (!allowed.empty()) allowed += ", ";
            allowed += to_string(route.method);
            if (route.method == Method::Get) allowed += ", HEAD";
        }
        if (!allowed.empty()) {
            throw ApiError(405, "method " + std::string(to_string(request.method)) + " not allowed on " +
                                    request.path).with_header("Allow", allowed);
        }
        throw not_found("no route for " + std::string(to_string(request.method)) + " " + request.path);
    } catch (const ApiError& error) {
        reply(error_response(error));
    } catch (const std::exception& error) {
        // The request has moved into its handler; the route names what failed.
        log::error("unhandled error in ", chosen ? to_string(chosen->method) : "guard", " ",
                   chosen ? chosen->pattern : std::string{}, ": ", error.what());
        reply(error_response(500, "internal error"));
    }
}

RequestHandler Router::handler() const {
    return [this](HttpRequest request, Reply reply) { handle(std::move(request), std::move(reply)); };
}

}  // namespace fleet::http
