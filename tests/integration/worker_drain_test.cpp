#include "tests/integration/worker_fixture.hpp"
#include "tests/support/fake_server.hpp"

#include <csignal>

using namespace fleet;
using namespace fleet::test;

namespace {

std::string status_of(http::BlockingHttpClient& client, const std::string& url, const std::string& id) {
    auto body = json_of(client.get(url + "/api/v1/operations/" + id));
    return std::string(body.at("data").as_object().at("status").as_string());
}

}  // namespace

TEST_CASE("SIGTERM drains: no new work, the running operation finishes, goodbye, exit 0",
          "[integration][worker][drain]") {
    FakeServer backend;
    WorkerUnderTest worker("echo", {"--backend-url", backend.url(), "--worker-id", "drainer", "--drain-timeout", "30s"});
    REQUIRE(backend.wait_for([](const auto& all) { return !all.empty(); }));
    http::BlockingHttpClient client;
    json_of(client.post(worker.url() + "/echo/start", R"({"task_id": "d1", "duration_ms": 1500, "steps": 15})"));
    REQUIRE(eventually([&] { return status_of(client, worker.url(), "d1") == "running"; }));

    worker.process().signal(SIGTERM);
    REQUIRE(eventually([&] {
        auto health = client.get(worker.url() + "/health");
        return health.ok() && json_of(health).at("worker_status") == "draining";
    }));
    auto refused = client.post(worker.url() + "/echo/start", R"({"duration_ms": 1})");
    CHECK(refused.status == 503);

    const auto code = worker.process().wait(std::chrono::seconds(20));
    REQUIRE(code.has_value());
    CHECK(*code == 0);
    const auto seen = backend.requests();
    CHECK(std::any_of(seen.begin(), seen.end(), [](const RecordedRequest& r) {
        return r.path == "/api/v1/operations/d1/events" && r.body.find("\"completed\"") != std::string::npos;
    }));
    CHECK(std::any_of(seen.begin(), seen.end(), [](const RecordedRequest& r) {
        return r.method == http::Method::Delete && r.path == "/api/v1/workers/drainer";
    }));
}

TEST_CASE("past the drain timeout the running operation is cancelled and the worker exits 0",
          "[integration][worker][drain]") {
    FakeServer backend;
    WorkerUnderTest worker("echo", {"--backend-url", backend.url(), "--drain-timeout", "300ms"});
    http::BlockingHttpClient client;
    json_of(client.post(worker.url() + "/echo/start", R"({"task_id": "long", "duration_ms": 600000})"));
    REQUIRE(eventually([&] { return status_of(client, worker.url(), "long") == "running"; }));

    worker.process().signal(SIGTERM);
    const auto code = worker.process().wait(std::chrono::seconds(10));
    REQUIRE(code.has_value());
    CHECK(*code == 0);
    REQUIRE(backend.wait_for([](const auto& all) {
        return std::any_of(all.begin(), all.end(), [](const RecordedRequest& r) {
            return r.path == "/api/v1/operations/long/events" && r.body.find("\"cancelled\"") != std::string::npos;
        });
    }));
}

TEST_CASE("an idle worker exits at once on SIGINT, even with no backend", "[integration][worker][drain]") {
    WorkerUnderTest worker("echo");
    worker.process().signal(SIGINT);
    const auto code = worker.process().wait(std::chrono::seconds(5));
    REQUIRE(code.has_value());
    CHECK(*code == 0);
}
