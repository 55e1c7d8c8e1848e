#pragma once

#include "common/http/message.hpp"

#include <functional>
#include <string>
#include <vector>

namespace fleet::http {

// Called exactly once with the answer, from any thread.
using Reply = std::function<void(HttpResponse)>;
using RequestHandler = std::function<void(HttpRequest, Reply)>;

using SyncHandler = std::function<HttpResponse(const HttpRequest&)>;
using AsyncHandler = std::function<void(HttpRequest, Reply)>;
// Runs before routing; throws ApiError to refuse (e.g. a missing bearer token).
using Guard = std::function<void(const HttpRequest&)>;

// The one route table: (method, pattern) -> handler, where a `{name}` segment
// matches one path segment. HEAD runs the GET route (the server sends no body).
// Unknown path -> 404, known path with another method -> 405; an ApiError
// becomes its JSON body and anything else a 500.
class Router {
public:
    Router& get(std::string pattern, SyncHandler handler);
    Router& post(std::string pattern, SyncHandler handler);
    Router& del(std::string pattern, SyncHandler handler);
    Router& add(Method method, std::string pattern, SyncHandler handler);
    Router& add_async(Method method, std::string pattern, AsyncHandler handler);
    Router& guard(Guard guard);

    void handle(HttpRequest request, Reply reply) const;
    // Binds this router as a server's RequestHandler; the router must outlive it.
    RequestHandler handler() const;

private:
    struct Route {
        Method method;
        std::string pattern;
        std::vector<std::string> segments;
        AsyncHandler handler;
    };
    static bool match(const Route& route, const std::vector<std::string_view>& path, Fields& params);

    std::vector<Route> routes_;
    Guard guard_;
};

}  // namespace fleet::http
