#include "common/http/auth.hpp"
#include "common/http/error.hpp"
#include "common/http/router.hpp"

#include <boost/json/parse.hpp>
#include <catch2/catch.hpp>

#include <optional>
#include <stdexcept>

using namespace fleet::http;

namespace {

HttpResponse call(const Router& router, Method method, std::string path, std::string authorization = {}) {
    HttpRequest request;
    request.method = method;
    request.path = std::move(path);
    request.authorization = std::move(authorization);
    std::optional<HttpResponse> answer;
    router.handle(std::move(request), [&](HttpResponse response) { answer = std::move(response); });
    REQUIRE(answer.has_value());
    return *answer;
}

std::string error_of(const HttpResponse& response) {
    auto body = boost::json::parse(response.body).as_object();
    CHECK(body.at("success") == false);
    return std::string(body.at("error").as_string());
}

}  // namespace

TEST_CASE("router matches literal paths and path parameters", "[router]") {
    Router router;
    router.get("/health", [](const HttpRequest&) { return HttpResponse::text(200, "ok"); })
        .get("/api/v1/operations/{id}", [](const HttpRequest& r) { return HttpResponse::text(200, std::string(r.path_param("id"))); })
        .get("/api/v1/operations/{id}/metrics", [](const HttpRequest& r) { return HttpResponse::text(200, "m:" + std::string(r.path_param("id"))); });

    CHECK(call(router, Method::Get, "/health").body == "ok");
    CHECK(call(router, Method::Get, "/health/").body == "ok");
    CHECK(call(router, Method::Get, "/api/v1/operations/op_1").body == "op_1");
    CHECK(call(router, Method::Get, "/api/v1/operations/op_1/metrics").body == "m:op_1");
}

TEST_CASE("router answers 404 for unknown paths and 405 with Allow for known ones", "[router]") {
    Router router;
    router.get("/thing", [](const HttpRequest&) { return HttpResponse::text(200, "x"); })
        .post("/thing", [](const HttpRequest&) { return HttpResponse::text(200, "y"); });

    const auto missing = call(router, Method::Get, "/nothing/here");
    CHECK(missing.status == 404);
    CHECK(error_of(missing).find("/nothing/here") != std::string::npos);

    const auto wrong = call(router, Method::Delete, "/thing");
    CHECK(wrong.status == 405);
    REQUIRE(wrong.headers.size() == 1);
    CHECK(wrong.headers[0].first == "Allow");
    CHECK(wrong.headers[0].second == "GET, HEAD, POST");

    CHECK(call(router, Method::Get, "/api/v1/operations//metrics").status == 404);
}

TEST_CASE("router turns ApiError into its JSON body and other exceptions into 500", "[router]") {
    Router router;
    router.get("/conflict", [](const HttpRequest&) -> HttpResponse { throw ApiError(409, "already done", {{"status", "completed"}}); })
        .get("/boom", [](const HttpRequest&) -> HttpResponse { throw std::runtime_error("secret detail"); });

    const auto conflict_answer = call(router, Method::Get, "/conflict");
    CHECK(conflict_answer.status == 409);
    auto body = boost::json::parse(conflict_answer.body).as_object();
    CHECK(body.at("error") == "already done");
    CHECK(body.at("status") == "completed");

    const auto boom = call(router, Method::Get, "/boom");
    CHECK(boom.status == 500);
    CHECK(error_of(boom) == "internal error");
}

TEST_CASE("router guard refuses before routing", "[router]") {
    Router router;
    int calls = 0;
    router.guard([](const HttpRequest& r) {
              if (r.authorization != "Bearer s3cret") throw ApiError(401, "missing or invalid bearer token");
          })
        .get("/secret", [&](const HttpRequest&) { ++calls; return HttpResponse::text(200, "in"); });

    CHECK(call(router, Method::Get, "/secret").status == 401);
    CHECK(calls == 0);
    CHECK(call(router, Method::Get, "/secret", "Bearer s3cret").status == 200);
    CHECK(calls == 1);
}

TEST_CASE("async routes may answer later from another place", "[router]") {
    Router router;
    Reply saved;
    router.add_async(Method::Post, "/later", [&](HttpRequest, Reply reply) { saved = std::move(reply); });
    HttpRequest request;
    request.method = Method::Post;
    request.path = "/later";
    std::optional<HttpResponse> answer;
    router.handle(std::move(request), [&](HttpResponse response) { answer = std::move(response); });
    CHECK_FALSE(answer.has_value());
    saved(HttpResponse::text(202, "done"));
    REQUIRE(answer.has_value());
    CHECK(answer->status == 202);
}

TEST_CASE("query parameters are decoded", "[router]") {
    HttpRequest request;
    request.query = "status=running&limit=5&name=a%20b+c&flag";
    CHECK(request.query_param("status") == "running");
    CHECK(request.query_param("limit") == "5");
    CHECK(request.query_param("name") == "a b c");
    CHECK(request.query_param("flag") == "");
    CHECK_FALSE(request.query_param("missing").has_value());
}

TEST_CASE("router runs the GET route for HEAD; the server leaves the body out", "[router]") {
    Router router;
    int calls = 0;
    router.get("/health", [&](const HttpRequest&) {
        ++calls;
        return HttpResponse::text(200, "ok");
    }).post("/start", [](const HttpRequest&) { return HttpResponse::text(200, "started"); });

    const auto head = call(router, Method::Head, "/health");
    CHECK(head.status == 200);
    CHECK(head.body == "ok");  // kept here so the server can send its Content-Length
    CHECK(calls == 1);

    // HEAD is only GET's twin: a path with no GET route is still 405.
    const auto no_get = call(router, Method::Head, "/start");
    CHECK(no_get.status == 405);
    CHECK(no_get.headers.at(0).second == "POST");
}

TEST_CASE("a bearer token guards HEAD as GET: /health and /metrics are open", "[router]") {
    Router router;
    router.guard(bearer_guard("secret"))
        .get("/health", [](const HttpRequest&) { return HttpResponse::text(200, "ok"); })
        .get("/api/v1/operations", [](const HttpRequest&) { return HttpResponse::text(200, "[]"); });
    CHECK(call(router, Method::Head, "/health").status == 200);
    CHECK(call(router, Method::Head, "/api/v1/operations").status == 401);
    CHECK(call(router, Method::Head, "/api/v1/operations", "Bearer secret").status == 200);
}

TEST_CASE("a bearer token leaves the dashboard's files open, to GET and HEAD only", "[router]") {
    Router router;
    router.guard(bearer_guard("secret"))
        .get("/ui", [](const HttpRequest&) { return HttpResponse::text(200, "index"); })
        .get("/ui/{file}", [](const HttpRequest&) { return HttpResponse::text(200, "file"); })
        .post("/ui/{file}", [](const HttpRequest&) { return HttpResponse::text(200, "posted"); })
        .get("/uix", [](const HttpRequest&) { return HttpResponse::text(200, "not the dashboard"); });
    CHECK(call(router, Method::Get, "/ui").status == 200);
    CHECK(call(router, Method::Get, "/ui/").status == 200);
    CHECK(call(router, Method::Head, "/ui/app.js").status == 200);
    CHECK(call(router, Method::Post, "/ui/app.js").status == 401);
    CHECK(call(router, Method::Get, "/uix").status == 401);
    CHECK(call(router, Method::Post, "/ui/app.js", "Bearer secret").status == 200);
}
