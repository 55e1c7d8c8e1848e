// The event stream (GET /api/v1/events) and blocking reads (?wait=) against
// the real fleet-backend and fleet-worker, read as curl -N would.
#include "tests/integration/backend_fixture.hpp"
#include "tests/integration/workflow_client.hpp"
#include "tests/support/sse_client.hpp"

#include <boost/json/parse.hpp>

#include <cstdint>
#include <set>

using namespace fleet;
using namespace fleet::test;
using boost::json::object;

namespace {

object data_of(const SseEvent& event) { return boost::json::parse(event.data).as_object(); }

// Reads events until one satisfies `done`; every event read is kept in `seen`.
std::optional<SseEvent> read_until(SseClient& stream, std::vector<SseEvent>& seen,
                                   const std::function<bool(const SseEvent&)>& done,
                                   std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        auto event = stream.next(std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now()));
        if (!event) return std::nullopt;
        seen.push_back(*event);
        if (done(*event)) return event;
    }
    return std::nullopt;
}

std::function<bool(const SseEvent&)> status_of(const std::string& operation_id, const std::string& to) {
    return [=](const SseEvent& event) {
        if (event.event != "operation.status") return false;
        const auto data = data_of(event);
        return data.at("operation_id") == boost::json::value(operation_id) && data.at("to") == boost::json::value(to);
    };
}

std::string started(const object& answer) { return string_of(answer.at("operation_id")); }

}  // namespace

TEST_CASE("event stream: an operation's life arrives as it happens, in order, with coalesced progress",
          "[integration][event-stream]") {
    BackendUnderTest backend({"--token", "s3cret"});
    BackendWorker echo(backend, "echo", "echo-events-1");
    SseClient stream(backend.port(), "/api/v1/events?types=operation", backend.token());
    REQUIRE(stream.status() == 200);
    CHECK_THAT(stream.headers(), Catch::Contains("text/event-stream"));
    CHECK_THAT(stream.headers(), Catch::Contains("Cache-Control: no-cache"));

    const auto id = started(backend.start("echo", {{"duration_ms", 1500}, {"steps", 100}}));
    std::vector<SseEvent> seen;
    INFO("backend output:\n" << backend.process().output());
    REQUIRE(read_until(stream, seen, status_of(id, "completed")));

    std::vector<std::string> moves;
    std::size_t progress = 0;
    double last_percentage = -1;
    std::uint64_t last_id = 0;
    for (const auto& event : seen) {
        const auto number = std::stoull(event.id);
        CHECK(number > last_id);  // strictly increasing
        last_id = number;
        const auto data = data_of(event);
        CHECK(data.at("operation_id") == boost::json::value(id));
        CHECK(data.at("time").is_string());
        if (event.event == "operation.status") moves.push_back(string_of(data.at("to")));
        if (event.event == "operation.progress") {
            ++progress;
            const auto percentage = data.at("progress").to_number<double>();
            CHECK(percentage >= last_percentage);
            last_percentage = percentage;
        }
    }
    CHECK(moves.back() == "completed");
    CHECK(std::find(moves.begin(), moves.end(), "running") != moves.end());
    // A hundred steps in 1.5 s, at most four a second reach the stream (plus the first of each interval).
    CHECK(progress >= 1);
    CHECK(progress <= 10);
    CHECK(data_of(seen.back()).at("progress").to_number<double>() == 100.0);
}

TEST_CASE("event stream: a client that comes back with Last-Event-ID gets what it missed, once; an old id a gap",
          "[integration][event-stream]") {
    BackendUnderTest backend;
    BackendWorker echo(backend, "echo", "echo-events-2");
    std::string resume_from;
    std::string first;
    {
        SseClient stream(backend.port(), "/api/v1/events?types=operation.status");
        first = started(backend.start("echo", {{"duration_ms", 0}, {"steps", 1}}));
        std::vector<SseEvent> seen;
        REQUIRE(read_until(stream, seen, status_of(first, "completed")));
        resume_from = seen.back().id;
    }
    // While nobody listens.
    const auto second = started(backend.start("echo", {{"duration_ms", 0}, {"steps", 1}}));
    CHECK(string_of(json_of(backend.get("/api/v1/operations/" + second + "?wait=20s")).at("data").at("status")) ==
          "completed");

    SseClient again(backend.port(), "/api/v1/events?types=operation.status", "", resume_from);
    std::vector<SseEvent> seen;
    REQUIRE(read_until(again, seen, status_of(second, "completed")));
    for (const auto& event : seen) {
        CHECK(event.event == "operation.status");
        CHECK(std::stoull(event.id) > std::stoull(resume_from));
        CHECK(data_of(event).at("operation_id") == boost::json::value(second));
    }

    SseClient old(backend.port(), "/api/v1/events", "", "1");
    const auto gap = old.next();
    REQUIRE(gap);
    CHECK(gap->event == "gap");
    CHECK(data_of(*gap).at("last_event_id") == "1");
}

TEST_CASE("event stream: bad filters and ids are 400s, no token a 401, past the stream limit a 503",
          "[integration][event-stream]") {
    BackendUnderTest backend({"--token", "t0k", "--max-event-streams", "2"});
    SseClient bad_type(backend.port(), "/api/v1/events?types=operation,nonsense", "t0k");
    CHECK(bad_type.status() == 400);
    CHECK_THAT(bad_type.prefix(), Catch::Contains("nonsense") && Catch::Contains("workflow.status"));
    SseClient bad_id(backend.port(), "/api/v1/events", "t0k", "not-a-number");
    CHECK(bad_id.status() == 400);
    SseClient bad_key(backend.port(), "/api/v1/events?operation_id=a%20b", "t0k");
    CHECK(bad_key.status() == 400);
    SseClient no_token(backend.port(), "/api/v1/events");
    CHECK(no_token.status() == 401);

    auto one = std::make_unique<SseClient>(backend.port(), "/api/v1/events", "t0k");
    SseClient two(backend.port(), "/api/v1/events", "t0k");
    CHECK(one->status() == 200);
    CHECK(two.status() == 200);
    SseClient three(backend.port(), "/api/v1/events", "t0k");
    CHECK(three.status() == 503);
    CHECK_THAT(three.headers(), Catch::Contains("Retry-After"));
    // A client that leaves frees its place at once, not at its next write.
    one->close();
    REQUIRE(eventually([&] { return SseClient(backend.port(), "/api/v1/events", "t0k").status() == 200; }));
    // The backend still answers everything else.
    CHECK(backend.get("/health").status == 200);
}

TEST_CASE("event stream: workers arriving and leaving, workflows and their steps, a signal",
          "[integration][event-stream]") {
    BackendUnderTest backend;
    SseClient stream(backend.port(), "/api/v1/events?types=worker,workflow,step");
    std::vector<SseEvent> seen;
    {
        BackendWorker echo(backend, "echo", "echo-events-3");
        REQUIRE(read_until(stream, seen, [](const SseEvent& e) {
            return e.event == "worker.status" && data_of(e).at("to") == "AVAILABLE";
        }));
        CHECK(data_of(seen.back()).at("worker_type") == "echo");

        boost::json::array steps{echo_step("fetch", {{"duration_ms", 0}}), echo_step("approve", {}, {"fetch"})};
        steps[1].as_object().erase("domain");
        steps[1].as_object().erase("parameters");
        steps[1].as_object()["signal"] = "approve";
        const auto submitted = json_of(backend.post(kWorkflows, to_body(definition("approval", steps))));
        const auto workflow_id = string_of(submitted.at("workflow_id"));
        REQUIRE(read_until(stream, seen, [&](const SseEvent& e) {
            if (e.event != "step.status") return false;
            const auto data = data_of(e);
            return data.at("step") == "approve" && data.at("to") == "waiting";
        }));
        CHECK(data_of(seen.back()).at("workflow_id") == boost::json::value(workflow_id));
        CHECK(data_of(seen.back()).at("operation_id").is_null());
        REQUIRE(backend.post(std::string(kWorkflows) + "/" + workflow_id + "/signals/approve", "{}").status == 200);
        REQUIRE(read_until(stream, seen, [&](const SseEvent& e) {
            return e.event == "workflow.status" && data_of(e).at("to") == "completed";
        }));
        std::set<std::string> completed_steps;
        for (const auto& event : seen)
            if (event.event == "step.status" && data_of(event).at("to") == "completed")
                completed_steps.insert(string_of(data_of(event).at("step")));
        CHECK(completed_steps == std::set<std::string>{"fetch", "approve"});
        REQUIRE(backend.del("/api/v1/workers/echo-events-3").status == 200);
    }
    REQUIRE(read_until(stream, seen, [](const SseEvent& e) {
        return e.event == "worker.status" && data_of(e).at("to") == "REMOVED";
    }));
}

TEST_CASE("blocking reads: ?wait= answers when the status changes, at once when finished; bad waits are 400s",
          "[integration][event-stream]") {
    BackendUnderTest backend;
    BackendWorker echo(backend, "echo", "echo-events-4");
    const auto id = started(backend.start("echo", {{"duration_ms", 1500}, {"steps", 3}}));
    // Each answer is the operation as it is after a change (or after the wait).
    std::string status = "queued";
    std::vector<std::string> seen;
    for (int i = 0; i < 10 && status != "completed"; ++i) {
        const auto answer = json_of(backend.get("/api/v1/operations/" + id + "?wait=30s"));
        status = string_of(answer.at("data").at("status"));
        seen.push_back(status);
    }
    CHECK(status == "completed");
    CHECK(seen.size() <= 4);  // no busy loop: one answer per change
    const auto finished = backend.get("/api/v1/operations/" + id + "?wait=5m");
    CHECK(finished.status == 200);

    CHECK(backend.get("/api/v1/operations/" + id + "?wait=6m").status == 400);
    const auto bogus = backend.get("/api/v1/operations/" + id + "?wait=soon");
    CHECK(bogus.status == 400);
    CHECK_THAT(bogus.body, Catch::Contains("wait"));
    CHECK(backend.get("/api/v1/workflows/wf_missing?wait=1s").status == 404);
    CHECK(backend.get("/api/v1/admin/workers/runs/nope?wait=1s").status == 404);

    // A run and a workflow wait the same way.
    const auto run = json_of(backend.post("/api/v1/admin/workers/run",
                                          to_body({{"bot", "echo"}, {"params", {{"duration_ms", 500}}}})));
    const auto run_id = string_of(run.at("run_id"));
    std::string run_status;
    for (int i = 0; i < 10 && run_status != "finished"; ++i)
        run_status = string_of(json_of(backend.get("/api/v1/admin/workers/runs/" + run_id + "?wait=30s")).at("status"));
    CHECK(run_status == "finished");

    const auto submitted = json_of(backend.post(kWorkflows, to_body(definition("waited", {echo_step("one", {{"duration_ms", 300}})}))));
    const auto workflow_id = string_of(submitted.at("workflow_id"));
    std::string workflow_status;
    for (int i = 0; i < 10 && workflow_status != "completed"; ++i)
        workflow_status =
            string_of(json_of(backend.get(std::string(kWorkflows) + "/" + workflow_id + "?wait=30s")).at("data").at("status"));
    CHECK(workflow_status == "completed");
}
