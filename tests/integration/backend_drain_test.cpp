// Draining a worker from the backend (POST /api/v1/workers/{id}/drain), with
// real binaries: the worker finishes what it runs, gets nothing new, leaves and exits 0.
#include "tests/integration/backend_fixture.hpp"
#include "tests/support/fake_server.hpp"
#include "common/http/error.hpp"

using namespace fleet;
using namespace fleet::test;

TEST_CASE("a drained worker finishes its operation, gets no new work, says goodbye and exits 0",
          "[integration][backend-drain]") {
    BackendUnderTest backend({"--token", "drain-secret"});
    BackendWorker drained(backend, "echo", "drain-me");
    const auto long_run = backend.start("echo", {{"duration_ms", 2500}, {"steps", 25}});
    const std::string long_id = string_of(long_run.at("operation_id"));
    CHECK(string_of(long_run.at("worker_id")) == "drain-me");
    BackendWorker other(backend, "echo", "keep-me");

    auto answer = backend.post("/api/v1/workers/drain-me/drain", "");
    INFO("drain answered " << answer.status << " " << answer.body);
    REQUIRE(answer.status == 202);
    const auto entry = json_of(answer);
    CHECK(entry.at("worker_id") == "drain-me");
    CHECK(entry.at("status") == "DRAINING");
    CHECK(backend.worker_status("drain-me") == "DRAINING");
    check_error(backend.post("/api/v1/workers/drain-me/drain", ""), 409, "DRAINING");

    // New work while it drains goes to the other worker, never to it.
    std::vector<std::string> later;
    for (int i = 0; i < 6; ++i) {
        const auto response = backend.post("/api/v1/echo/start", R"({"duration_ms": 50})");
        REQUIRE((response.status == 200 || response.status == 202));  // started, or queued behind the others
        const auto started = json_of(response);
        later.push_back(string_of(started.at("operation_id")));
        if (started.contains("worker_id")) CHECK(string_of(started.at("worker_id")) == "keep-me");
    }

    backend.wait_for_status(long_id, "completed");
    const auto code = drained.process().wait(std::chrono::seconds(20));
    INFO("worker output:\n" << drained.process().output());
    REQUIRE(code.has_value());
    CHECK(*code == 0);
    REQUIRE(eventually([&] { return !backend.worker("drain-me").has_value(); }));
    for (const auto& id : later) {
        backend.wait_for_status(id, "completed");
        CHECK(string_of(backend.operation(id).at("worker_id")) == "keep-me");
    }
    check_error(backend.post("/api/v1/workers/drain-me/drain", ""), 404, "not found");
}

TEST_CASE("a worker that refuses to drain, or cannot be reached, keeps its status", "[integration][backend-drain]") {
    BackendUnderTest backend;
    // A worker from before drain existed: healthy, but it does not know the endpoint.
    FakeServer old_worker([](const http::HttpRequest& request) {
        if (request.path == "/health") return idle_health();
        return http::error_response(404, "no route");
    });
    auto register_at = [&](const std::string& id, const std::string& url) {
        const auto registered = backend.post(
            "/api/v1/workers/register",
            R"({"worker_id": ")" + id + R"(", "worker_type": "echo", "domain": "echo", "endpoint_url": ")" + url + R"("})");
        REQUIRE(registered.status == 200);
    };
    register_at("old", old_worker.url());
    REQUIRE(eventually([&] { return backend.worker_status("old") == "AVAILABLE"; }));
    check_error(backend.post("/api/v1/workers/old/drain", ""), 502, "404");
    CHECK(backend.worker_status("old") == "AVAILABLE");
    CHECK(old_worker.wait_for([](const auto& all) {
        return std::any_of(all.begin(), all.end(), [](const RecordedRequest& r) {
            return r.method == http::Method::Post && r.path == "/api/v1/drain";
        });
    }));

    // Nobody listens there: refused at once, unless the connection watch noticed first (then 409).
    register_at("ghost", "http://127.0.0.1:" + std::to_string(free_loopback_port()));
    const auto answer = backend.post("/api/v1/workers/ghost/drain", "");
    if (answer.status == 502) check_error(answer, 502, "could not be told to drain");
    else check_error(answer, 409, "TEMPORARILY_UNAVAILABLE");
    CHECK(backend.worker_status("ghost") != "DRAINING");
    check_error(backend.post("/api/v1/workers/not%20plain/drain", ""), 400);
}
