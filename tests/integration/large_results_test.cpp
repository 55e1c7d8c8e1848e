// Results of every size, and answers the backend cannot read: nothing may
// leave an operation open, a worker blocked, or a completed result recorded
// as failed (issue 14, found with multi-megabyte backtests on Docker).
#include "common/http/error.hpp"
#include "tests/integration/backend_fixture.hpp"
#include "tests/support/fake_server.hpp"
#include "tests/support/wait.hpp"

#include <boost/json/serialize.hpp>

#include <atomic>
#include <csignal>

using namespace fleet;
using namespace fleet::test;
using boost::json::object;

namespace {

constexpr std::size_t kMiB = 1024 * 1024;

std::string start_echo(BackendUnderTest& backend, std::size_t result_bytes, int duration_ms = 0) {
    return string_of(backend.start("echo", {{"duration_ms", duration_ms}, {"steps", 2}, {"result_bytes", result_bytes}})
                         .at("operation_id"));
}

// Nothing left open, and the worker's slot free: the next start goes out at once.
void check_nothing_open_and_worker_free(BackendUnderTest& backend) {
    CHECK(backend.count_operations("running") == 0);
    CHECK(backend.count_operations("pending") == 0);
    CHECK(backend.count_operations("queued") == 0);
    const auto next = backend.start("echo", {{"duration_ms", 0}});
    CHECK(next.at("status") == "started");
    backend.wait_for_status(string_of(next.at("operation_id")), "completed");
}

std::string error_of(BackendUnderTest& backend, const std::string& id) {
    return string_of(backend.operation(id).at("error_message"));
}

object registration_of(const std::string& worker_id, const std::string& url) {
    return {{"worker_id", worker_id}, {"worker_type", "echo"}, {"domain", "echo"}, {"endpoint_url", url}};
}

// A worker that takes every start, stays healthy and idle, and answers
// questions about operations with `answer` (it never sends a notice).
FakeServer::Responder fake_worker(std::function<http::HttpResponse()> answer) {
    return [answer = std::move(answer)](const http::HttpRequest& request) {
        if (request.path == "/health") return idle_health();
        if (request.path == "/echo/start") return start_taken(request, "fake");
        return answer();
    };
}

}  // namespace

TEST_CASE("results below, at and above the worker's limit: completed with the result, or failed saying why",
          "[integration][large-results]") {
    BackendUnderTest backend;
    BackendWorker worker(backend, "echo", "echo-sizes-1");
    constexpr std::size_t kLimit = 4 * kMiB;  // the worker's default --max-result-bytes

    SECTION("below: 3 MiB, over the 1 MiB of ordinary request bodies") {
        const std::string id = start_echo(backend, 3 * kMiB);
        backend.wait_for_status(id, "completed");
        CHECK(boost::json::serialize(backend.operation(id).at("result")).size() == 3 * kMiB);
    }
    SECTION("at the limit") {
        const std::string id = start_echo(backend, kLimit);
        backend.wait_for_status(id, "completed");
        CHECK(boost::json::serialize(backend.operation(id).at("result")).size() == kLimit);
    }
    SECTION("one byte above the limit") {
        const std::string id = start_echo(backend, kLimit + 1);
        backend.wait_for_status(id, "failed");
        CHECK(error_of(backend, id) ==
              "result of 4194305 bytes exceeds the 4194304 bytes limit (--max-result-bytes); "
              "write large outputs to a file and return its path");
        CHECK(backend.operation(id).at("result").is_null());
    }
    SECTION("far above the limit") {
        const std::string id = start_echo(backend, 12'300'000);
        backend.wait_for_status(id, "failed");
        CHECK(error_of(backend, id).starts_with("result of 12.3 MB exceeds the 4 MiB limit (--max-result-bytes)"));
    }
    check_nothing_open_and_worker_free(backend);
}

TEST_CASE("after a restart, a worker whose newest results outgrow what the backend reads still says what it has",
          "[integration][large-results]") {
    // Answers of up to 2 MiB + 64 KiB; the worker then holds 60 results of 40 KB (2.4 MB in a whole listing).
    BackendUnderTest backend({"--max-result-bytes", "64KiB"}, free_loopback_port());
    BackendWorker worker(backend, "echo", "echo-hold-1", {"--max-result-bytes", "64KiB"});
    for (int i = 0; i < 60; ++i) backend.wait_for_status(start_echo(backend, 40'000), "completed");
    const std::string running = start_echo(backend, 10, 60'000);
    backend.wait_for_status(running, "running");
    // The worker's one slot is taken: queued.
    const std::string queued = string_of(backend.start("echo", {{"duration_ms", 0}}, 202).at("operation_id"));
    REQUIRE(backend.operation_status(queued) == "queued");

    backend.kill9();
    backend.start_again();
    const std::string released = backend.process().wait_for_line("queue released:");
    INFO(backend.process().output());
    CHECK(released.find("1 of 1 worker(s) said which operations they have") != std::string::npos);
    CHECK(backend.process().output().find("did not say") == std::string::npos);
    // The worker runs what it had, then what waited.
    REQUIRE(backend.del("/api/v1/operations/" + running + "/cancel").status == 200);
    backend.wait_for_status(queued, "completed");
}

TEST_CASE("a result larger than the backend takes fails the operation saying why, and frees the worker",
          "[integration][large-results]") {
    // A worker configured to allow more than its backend takes (2 MiB + 1 KiB).
    BackendUnderTest backend({"--max-result-bytes", "1KiB"});
    BackendWorker worker(backend, "echo", "echo-toobig-1", {"--max-result-bytes", "8MiB"});

    const std::string id = start_echo(backend, 3 * kMiB, 300);
    backend.wait_for_status(id, "failed");
    const std::string error = error_of(backend, id);
    INFO(error);
    // Whichever reached it first, the worker's notice or the backend's own question, says why.
    CHECK((error.find("exceeds the backend's limit") != std::string::npos ||
           error.find("exceeds the 2.1 MB limit") != std::string::npos));
    check_nothing_open_and_worker_free(backend);
}

TEST_CASE("answers about an operation that cannot be read are asked again, then fail it and free the worker",
          "[integration][large-results]") {
    BackendUnderTest backend({"--max-result-bytes", "1KiB"});
    std::atomic<bool> malformed{false};
    FakeServer worker(fake_worker([&] {
        if (malformed) return http::HttpResponse::text(200, "{\"success\": true, \"data\": {\"status\": ", "application/json");
        return http::HttpResponse::json(200, {{"success", true},
                                              {"data", {{"status", "completed"},
                                                        {"result", {{"blob", std::string(3 * kMiB, 'x')}}}}}});
    }));
    REQUIRE(backend.post("/api/v1/workers/register", to_body(registration_of("fake", worker.url()))).status == 200);

    SECTION("too large") {
        const std::string id = string_of(backend.start("echo", {{"duration_ms", 0}}).at("operation_id"));
        backend.wait_for_status(id, "failed");
        const std::string error = error_of(backend, id);
        CHECK(error == "the backend could not read worker fake's answer 3 times: "
                       "answer of 3.1 MB exceeds the 2.1 MB limit");
        // The log line reaches the captured output a moment after the answer that shows the failure.
        CHECK(eventually(
            [&] { return backend.process().output().find("could not be read 3 times") != std::string::npos; }));
    }
    SECTION("not JSON") {
        malformed = true;
        const std::string id = string_of(backend.start("echo", {{"duration_ms", 0}}).at("operation_id"));
        backend.wait_for_status(id, "failed");
        CHECK(error_of(backend, id).starts_with("the backend could not read worker fake's answer 3 times: "
                                                "the answer is not JSON"));
    }
    CHECK(backend.count_operations("running") == 0);
    // The slot is free: the next start goes to the same worker at once.
    CHECK(backend.start("echo", {{"duration_ms", 0}}).at("status") == "started");
}

TEST_CASE("a worker with a large undelivered result registers again after a backend restart, and delivers it",
          "[integration][large-results]") {
    BackendUnderTest backend({}, free_loopback_port());
    BackendWorker worker(backend, "echo", "echo-restart-1");
    const std::string id = start_echo(backend, 3 * kMiB, 1000);
    backend.wait_for_status(id, "running");

    backend.kill9();
    http::BlockingHttpClient client;
    REQUIRE(eventually([&] {
        auto answer = client.get(worker.url() + "/api/v1/operations/" + id);
        return answer.ok() && answer.status == 200 &&
               boost::json::parse(answer.body).at("data").at("status") == "completed";
    }));
    backend.start_again();

    INFO("worker output:\n" << worker.process().output());
    backend.wait_for_status(id, "completed");
    CHECK(boost::json::serialize(backend.operation(id).at("result")).size() == 3 * kMiB);
    REQUIRE(eventually([&] { return backend.worker_status("echo-restart-1") == "AVAILABLE"; }));
    // It ran once, on the one worker.
    const auto listed = json_of(client.get(worker.url() + "/api/v1/operations"));
    CHECK(listed.at("data").at("total") == 1);
    check_nothing_open_and_worker_free(backend);
}

TEST_CASE("SIGTERM while a worker makes a large result: the operation ends completed with it",
          "[integration][large-results]") {
    BackendUnderTest backend;
    BackendWorker worker(backend, "echo", "echo-stopped-1");
    const std::string id = start_echo(backend, 3 * kMiB, 1000);
    backend.wait_for_status(id, "running");

    worker.process().signal(SIGTERM);
    CHECK(worker.process().wait(std::chrono::seconds(20)) == std::optional<int>(0));
    REQUIRE(eventually([&] { return backend.workers().empty(); }));
    INFO("error_message: " << backend.operation(id).at("error_message"));
    CHECK(backend.operation_status(id) == "completed");
    CHECK(boost::json::serialize(backend.operation(id).at("result")).size() == 3 * kMiB);
}

TEST_CASE("registration and goodbye name ended operations without their results",
          "[integration][large-results]") {
    BackendUnderTest backend;
    FakeServer worker(fake_worker([] {
        return http::HttpResponse::json(200, {{"success", true}, {"data", {{"status", "running"}}}});
    }));
    object registration = registration_of("fake", worker.url());
    registration["max_concurrent"] = 3;
    REQUIRE(backend.post("/api/v1/workers/register", to_body(registration)).status == 200);
    const std::string a = string_of(backend.start("echo", {{"duration_ms", 0}}).at("operation_id"));
    const std::string b = string_of(backend.start("echo", {{"duration_ms", 0}}).at("operation_id"));
    const std::string c = string_of(backend.start("echo", {{"duration_ms", 0}}).at("operation_id"));

    SECTION("a registration: a completed one without its result waits for its notice") {
        registration["completed_operations"] = boost::json::array{
            object{{"operation_id", a}, {"status", "completed"}, {"completed_at", "2026-11-29T20:00:00.000Z"}}};
        registration["current_operation_ids"] = boost::json::array{b.c_str(), c.c_str()};
        const auto answer = json_of(backend.post("/api/v1/workers/register", to_body(registration)));
        CHECK(answer.at("stop_operations").as_array().empty());
        CHECK(backend.operation_status(a) == "running");

        const auto notice = backend.post("/api/v1/operations/" + a + "/events",
                                         to_body({{"status", "completed"}, {"result", {{"rows", 7}}},
                                                  {"instance_id", answer.at("instance_id")}}));
        REQUIRE(notice.status == 200);
        backend.wait_for_status(a, "completed");
        CHECK(backend.operation(a).at("result").at("rows") == 7);
    }
    SECTION("a goodbye: completed stays completed; what it does not name was lost") {
        // Bad input changes nothing.
        http::BlockingHttpClient client;
        const auto url = backend.url() + "/api/v1/workers/fake";
        for (const char* bad : {"not json", R"({"completed_operations": [{"status": "completed"}]})",
                                R"({"completed_operations": [], "extra": 1})"}) {
            const auto refused = client.send({http::Method::Delete, url, bad});
            INFO(bad << " -> " << refused.body);
            CHECK(refused.status == 400);
        }
        CHECK(backend.worker_status("fake") == "BUSY");

        const object goodbye{{"completed_operations",
                              boost::json::array{object{{"operation_id", a}, {"status", "completed"}},
                                                 object{{"operation_id", b}, {"status", "failed"},
                                                        {"error_message", "boom"}}}}};
        const auto answer = client.send({http::Method::Delete, url, to_body(goodbye)});
        REQUIRE(answer.status == 200);
        const auto left = backend.operation(a);
        CHECK(left.at("status") == "completed");
        CHECK(left.at("result").is_null());
        CHECK(string_of(left.at("error_message")) ==
              "completed on worker fake, which left before the backend could retrieve the result");
        CHECK(backend.operation_status(b) == "failed");
        CHECK(error_of(backend, b) == "boom");
        CHECK(backend.operation_status(c) == "failed");
        CHECK(error_of(backend, c).find("worker fake left") != std::string::npos);
    }
}
