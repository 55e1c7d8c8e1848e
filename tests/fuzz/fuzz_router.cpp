// The router (common/http/router) over the backend's and workers' route table.
// The first byte chooses the method, the rest is the path. Invariants: the
// reply comes exactly once; a matched route's pattern, with its parameters
// put in, is the request's path; a parameter is one non-empty segment; a 405
// names the allowed methods in Allow; nothing else than 200, 404 and 405 comes
// out (a 500 would mean an exception escaped a handler).
#include "common/http/router.hpp"
#include "tests/fuzz/fuzz_check.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace {

using fleet::fuzz::check;
using namespace fleet::http;

constexpr std::array kRoutes = {
    std::pair{Method::Get, "/health"},
    std::pair{Method::Get, "/metrics"},
    std::pair{Method::Get, "/ui/{file}"},
    std::pair{Method::Post, "/"},
    std::pair{Method::Get, "/api/v1/operations"},
    std::pair{Method::Get, "/api/v1/operations/{id}"},
    std::pair{Method::Get, "/api/v1/operations/{id}/metrics"},
    std::pair{Method::Delete, "/api/v1/operations/{id}/cancel"},
    std::pair{Method::Post, "/api/v1/operations/{id}/events"},
    std::pair{Method::Post, "/api/v1/{domain}/start"},
    std::pair{Method::Post, "/api/v1/workers/register"},
    std::pair{Method::Get, "/api/v1/workers/{id}"},
    std::pair{Method::Delete, "/api/v1/workers/{id}"},
    std::pair{Method::Post, "/api/v1/workflows/{id}/signals/{name}"},
    std::pair{Method::Get, "/api/v1/schedules/preview"},
    std::pair{Method::Get, "/api/v1/schedules/{id}"},
};

// What the handler saw: the pattern it serves with the path parameters put in.
std::string filled(std::string_view pattern, const HttpRequest& request) {
    std::string out;
    std::size_t at = 0;
    while (at < pattern.size()) {
        const auto open = pattern.find('{', at);
        if (open == std::string_view::npos) {
            out.append(pattern.substr(at));
            break;
        }
        const auto close = pattern.find('}', open);
        out.append(pattern.substr(at, open - at));
        const auto name = pattern.substr(open + 1, close - open - 1);
        const auto value = request.path_param(name);
        check(!value.empty() && value.find('/') == std::string_view::npos, "a parameter is one non-empty segment",
              value);
        out.append(value);
        at = close + 1;
    }
    return out;
}

const Router& router() {
    static const Router table = [] {
        Router r;
        for (const auto& route : kRoutes)
            r.add(route.first, route.second, [pattern = route.second](const HttpRequest& request) {
                return HttpResponse::text(200, filled(pattern, request));
            });
        return r;
    }();
    return table;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    constexpr std::array kMethods = {Method::Get,    Method::Head,    Method::Post, Method::Put,
                                     Method::Patch,  Method::Delete,  Method::Options, Method::Other};
    HttpRequest request;
    request.method = kMethods[data[0] % kMethods.size()];
    request.path.assign(reinterpret_cast<const char*>(data + 1), size - 1);
    request.target = request.path;
    const std::string path = request.path;

    int replies = 0;
    HttpResponse answer;
    router().handle(std::move(request), [&](HttpResponse response) {
        ++replies;
        answer = std::move(response);
    });
    check(replies == 1, "the router replies exactly once", path);
    check(answer.status == 200 || answer.status == 404 || answer.status == 405, "200, 404 or 405", path);
    if (answer.status == 200) {
        // The router ignores one trailing slash and reads a path without a leading one as if it had it.
        std::string expected = path;
        if (expected.size() > 1 && expected.back() == '/') expected.pop_back();
        if (!expected.starts_with('/')) expected.insert(expected.begin(), '/');
        check(answer.body == expected, "the matched pattern, filled in, is the path", path);
    }
    if (answer.status == 405) {
        bool has_allow = false;
        for (const auto& [name, value] : answer.headers) has_allow = has_allow || (name == "Allow" && !value.empty());
        check(has_allow, "a 405 says which methods are allowed", path);
    }
    return 0;
}
