#include "tests/integration/backend_fixture.hpp"

#include <cstdlib>
#include <set>

using namespace fleet;
using namespace fleet::test;
using boost::json::object;

namespace {

// Long enough that the worker's start answer reaches the backend before the
// operation ends (see the  case on instant operations below).
constexpr int kQuick = 300;

std::string started_id(const object& answer) { return string_of(answer.at("operation_id")); }

// The worker says it is idle and the backend lists it AVAILABLE: the next start can go there.
void wait_idle(BackendUnderTest& backend, BackendWorker& worker) {
    http::BlockingHttpClient client;
    REQUIRE(eventually([&] {
        auto health = client.get(worker.url() + "/health");
        return health.ok() && json_of(health).at("worker_status") == "idle" &&
               backend.worker_status(worker.id()) == "AVAILABLE";
    }));
}

object list_operations(BackendUnderTest& backend, const std::string& query) {
    auto response = backend.get("/api/v1/operations" + query);
    INFO("query " << query);
    auto body = json_of(response);
    REQUIRE(response.status == 200);
    CHECK(body.at("success") == true);
    return body.at("data").as_object();
}

// Waits until the backend's clock has passed `time` (an ISO 8601 timestamp), so
// the next operation is strictly younger: age decides the order of equal priorities.
void wait_past(BackendUnderTest& backend, const std::string& time) {
    REQUIRE(eventually([&] {
        auto health = backend.get("/health");
        return health.ok() && string_of(json_of(health).at("timestamp")) > time;
    }));
}

void check_json_error(const http::ClientResponse& response, int status) {
    INFO("status " << response.status << " body " << response.body << " error " << response.error_message);
    CHECK(response.status == status);
    if (response.status != status) return;
    auto body = json_of(response);
    CHECK(body.at("success") == false);
    CHECK(body.at("error").is_string());
}

}  // namespace

TEST_CASE("registered workers are listed, one by one and filtered", "[integration][backend]") {
    BackendUnderTest backend;
    BackendWorker echo(backend, "echo", "echo-list-1", {"--capabilities", R"({"cores": 2})"});
    BackendWorker backtest(backend, "backtest", "bt-list-1");

    auto all = backend.workers();
    REQUIRE(all.size() == 2);
    auto entry = *backend.worker("echo-list-1");
    for (auto field : {"worker_id", "worker_type", "endpoint_url", "status", "capabilities", "current_operation_id",
                       "last_health_check", "health_check_failures", "registered_at"}) {
        INFO(field);
        CHECK(entry.contains(field));
    }
    CHECK(entry.at("worker_id") == "echo-list-1");
    CHECK(entry.at("worker_type") == "echo");
    CHECK(entry.at("endpoint_url") == boost::json::value(echo.url()));
    CHECK(entry.at("status") == "AVAILABLE");
    CHECK(entry.at("capabilities").as_object().at("cores") == 2);
    CHECK(entry.at("current_operation_id").is_null());
    CHECK(entry.at("health_check_failures") == 0);
    CHECK(string_of(entry.at("registered_at")).back() == 'Z');
    CHECK(string_of(entry.at("last_health_check")).back() == 'Z');
    std::set<std::string> ids;
    for (const auto& item : all) ids.insert(string_of(item.as_object().at("worker_id")));
    CHECK(ids == std::set<std::string>{"echo-list-1", "bt-list-1"});

    auto echoes = backend.workers("?worker_type=echo");
    REQUIRE(echoes.size() == 1);
    CHECK(echoes[0].as_object().at("worker_id") == "echo-list-1");
    auto backtests = backend.workers("?worker_type=backtest");
    REQUIRE(backtests.size() == 1);
    CHECK(backtests[0].as_object().at("worker_id") == "bt-list-1");
    CHECK(backend.workers("?worker_type=data_processing").empty());
    CHECK(backend.workers("?status=AVAILABLE").size() == 2);
    CHECK(backend.workers("?status=TEMPORARILY_UNAVAILABLE").empty());
    CHECK(backend.workers("?worker_type=echo&status=AVAILABLE").size() == 1);

    CHECK(backend.get("/api/v1/workers/nobody").status == 404);
}

TEST_CASE("registering again is idempotent; a new id at the same endpoint replaces the old entry",
          "[integration][backend]") {
    BackendUnderTest backend;
    WorkerUnderTest standalone("echo", {"--worker-id", "manual-1"});
    object registration{{"worker_id", "manual-1"},
                        {"worker_type", "echo"},
                        {"domain", "echo"},
                        {"endpoint_url", standalone.url()},
                        {"capabilities", {{"cores", 1}}}};

    auto first = json_of(backend.post("/api/v1/workers/register", to_body(registration)));
    CHECK(first.at("success") == true);
    CHECK(first.at("worker_id") == "manual-1");
    CHECK(first.at("status") == "AVAILABLE");
    CHECK(first.at("stop_operations").as_array().empty());
    const std::string instance = string_of(first.at("instance_id"));
    CHECK_FALSE(instance.empty());

    registration["capabilities"] = object{{"cores", 3}};
    auto second = json_of(backend.post("/api/v1/workers/register", to_body(registration)));
    CHECK(second.at("success") == true);
    CHECK(string_of(second.at("instance_id")) != instance);
    auto all = backend.workers();
    REQUIRE(all.size() == 1);
    CHECK(all[0].as_object().at("worker_id") == "manual-1");
    CHECK(all[0].as_object().at("capabilities").as_object().at("cores") == 3);

    registration["worker_id"] = "manual-2";
    auto replaced = json_of(backend.post("/api/v1/workers/register", to_body(registration)));
    CHECK(replaced.at("success") == true);
    all = backend.workers();
    REQUIRE(all.size() == 1);
    CHECK(all[0].as_object().at("worker_id") == "manual-2");
    CHECK_FALSE(backend.worker("manual-1").has_value());
    CHECK(backend.get("/api/v1/workers/manual-1").status == 404);
}

TEST_CASE("an echo started through the backend runs on a worker and ends completed", "[integration][backend]") {
    BackendUnderTest backend;
    BackendWorker worker(backend, "echo", "echo-run-1");

    auto answer = backend.start("echo", {{"duration_ms", 3000}, {"steps", 60}, {"note", "hi"}});
    CHECK(answer.at("success") == true);
    CHECK(answer.at("status") == "started");
    CHECK(answer.at("worker_id") == "echo-run-1");
    const std::string id = started_id(answer);
    CHECK(id.rfind("op_", 0) == 0);
    CHECK(id.size() == 3 + 12 + 24);  // the time in milliseconds, then 96 random bits
    CHECK(id.find_first_not_of("0123456789abcdef", 3) == std::string::npos);

    // The worker has it under the backend's id (task_id).
    http::BlockingHttpClient client;
    CHECK(client.get(worker.url() + "/api/v1/operations/" + id).status == 200);

    REQUIRE(eventually([&] {
        auto response = backend.get("/api/v1/operations/" + id + "?force_refresh=true");
        if (!response.ok() || response.status != 200) return false;
        auto data = json_of(response).at("data").as_object();
        const double percentage = data.at("progress").as_object().at("percentage").to_number<double>();
        return data.at("status") == "running" && percentage > 0 && percentage < 100;
    }));
    backend.wait_for_status(id, "completed");

    auto op = backend.operation(id);
    CHECK(op.at("operation_id") == boost::json::value(id));
    CHECK(op.at("operation_type") == "echo");
    CHECK(op.at("result").as_object().at("echo").as_object().at("note") == "hi");
    CHECK(op.at("progress").as_object().at("percentage").to_number<double>() == 100.0);
    CHECK(op.at("worker_id") == "echo-run-1");
    CHECK(op.at("domain") == "echo");
    CHECK(op.at("priority") == 0);
    CHECK(op.at("attempts") == 1);
    CHECK(op.at("error_message").is_null());
    for (auto field : {"created_at", "updated_at", "started_at", "completed_at"}) {
        INFO(field);
        CHECK(op.at(field).is_string());
    }
    REQUIRE(eventually([&] { return backend.worker_status("echo-run-1") == "AVAILABLE"; }));
    CHECK(backend.worker("echo-run-1")->at("current_operation_id").is_null());
}

TEST_CASE("SIGTERM of the backend: it exits 0 saying so, and what it answered is on file when it starts again",
          "[integration][backend]") {
    BackendUnderTest backend({"--shutdown-grace", "200ms"});
    // The thread layout, said at start: the one CTest asked for, when it asked (tests/CMakeLists.txt).
    const std::string layout = [] {
        const char* io_threads = std::getenv("FLEET_TEST_BACKEND_IO_THREADS");
        if (!io_threads) return std::string("HTTP on ");
        const std::string count = io_threads;
        return count == "0" ? std::string("HTTP on the core thread") : "HTTP on " + count + " I/O thread(s)";
    }();
    CHECK(backend.process().output().find(layout) != std::string::npos);
    std::vector<std::string> ids;
    {
        BackendWorker worker(backend, "echo", "echo-term-1");
        for (int i = 0; i < 5; ++i)
            ids.push_back(started_id(backend.start("echo", {{"duration_ms", 0}, {"steps", 1}})));
        backend.process().signal(SIGTERM);
        const auto code = backend.process().wait(std::chrono::seconds(10));
        INFO("backend output:\n" << backend.process().output());
        REQUIRE(code.has_value());
        CHECK(*code == 0);
        const auto output = backend.process().output();
        CHECK(output.find("fleet-backend stopped") > output.find("received signal 15"));
        CHECK(output.find("fleet-backend stopped") != std::string::npos);
    }
    backend.start_again();
    for (const auto& id : ids) CHECK(backend.operation_status(id) == "completed");
}

// Bug: when an operation ends (and the worker's completion notice is handled)
// before the worker's 200 to the start is read, Dispatcher::on_worker_answer
// finds it no longer active and reports Outcome::Gone, which Dispatcher::start
// turns into `202 queued` without a worker_id; started_at stays null and the
// dispatch is not counted in fleet_dispatches_total.
TEST_CASE("an operation that ends at once is still answered 200 started, with started_at",
          "[integration][backend]") {
    BackendUnderTest backend;
    BackendWorker worker(backend, "echo", "echo-instant-1");
    for (int i = 0; i < 20; ++i) {
        INFO("start " << i);
        wait_idle(backend, worker);
        auto response = backend.post("/api/v1/echo/start", R"({"duration_ms": 0, "steps": 1})");
        auto answer = json_of(response);
        CHECK(response.status == 200);
        CHECK(answer.at("status") == "started");
        CHECK(answer.contains("worker_id"));
        const std::string id = started_id(answer);
        backend.wait_for_status(id, "completed");
        CHECK(backend.operation(id).at("started_at").is_string());
    }
    auto page = backend.get("/metrics");
    CHECK(page.body.find("fleet_dispatches_total 20\n") != std::string::npos);
}

TEST_CASE("a finished operation is deleted after --retention; running and queued ones stay",
          "[integration][backend]") {
    BackendUnderTest backend({"--retention", "1s"});
    BackendWorker worker(backend, "echo", "echo-retention-1");

    const std::string done_id = started_id(backend.start("echo", {{"duration_ms", kQuick}, {"note", "old"}}));
    backend.wait_for_status(done_id, "completed");
    wait_idle(backend, worker);
    const std::string running_id = started_id(backend.start("echo", {{"duration_ms", 60000}, {"steps", 600}}));
    backend.wait_for_status(running_id, "running");
    const std::string queued_id = started_id(backend.start("echo", {{"duration_ms", 0}}, 202));

    // The sweep runs every second here (a tenth of the retention, at least 1 s).
    INFO("backend output:\n" << backend.process().output());
    REQUIRE(eventually([&] { return backend.get("/api/v1/operations/" + done_id).status == 404; }));
    CHECK(backend.count_operations("completed") == 0);
    CHECK(backend.operation_status(running_id) == "running");
    CHECK(backend.operation_status(queued_id) == "queued");

    // Once they end, they go too.
    CHECK(backend.del("/api/v1/operations/" + running_id + "/cancel").status == 200);
    REQUIRE(eventually([&] {
        return backend.get("/api/v1/operations/" + running_id).status == 404 &&
               backend.get("/api/v1/operations/" + queued_id).status == 404;
    }));
    CHECK(backend.get("/api/v1/operations").status == 200);
    CHECK(backend.count_operations("cancelled") == 0);
}

TEST_CASE("a backtest through the backend completes with trades", "[integration][backend]") {
    BackendUnderTest backend;
    BackendWorker worker(backend, "backtest", "bt-run-1");
    object request{{"symbol", "AAPL"}, {"timeframe", "1h"}, {"data_file", sample("AAPL_1h.csv")},
                   {"fast", 10}, {"slow", 30}, {"initial_capital", 10000}};
    auto answer = backend.start("backtests", request);
    CHECK(answer.at("worker_id") == "bt-run-1");
    const std::string id = started_id(answer);
    backend.wait_for_status(id, "completed", std::chrono::seconds(60));
    auto op = backend.operation(id);
    CHECK(op.at("operation_type") == "backtest");
    CHECK(op.at("domain") == "backtests");
    auto result = op.at("result").as_object();
    CHECK(result.at("symbol") == "AAPL");
    CHECK(result.at("trade_count").to_number<double>() > 0);
}

TEST_CASE("two workers: the least recently used gets the work; a third long operation waits queued",
          "[integration][backend]") {
    BackendUnderTest backend;
    BackendWorker a(backend, "echo", "echo-pair-a");
    BackendWorker b(backend, "echo", "echo-pair-b");

    // Short operations one after another alternate between the two workers.
    std::vector<std::string> ran_on;
    for (int i = 0; i < 3; ++i) {
        wait_idle(backend, a);
        wait_idle(backend, b);
        auto answer = backend.start("echo", {{"duration_ms", kQuick}});
        const std::string id = started_id(answer);
        ran_on.push_back(string_of(answer.at("worker_id")));
        backend.wait_for_status(id, "completed");
    }
    CHECK(ran_on[0] != ran_on[1]);
    CHECK(ran_on[2] == ran_on[0]);

    wait_idle(backend, a);
    wait_idle(backend, b);
    auto long_one = backend.start("echo", {{"duration_ms", 60000}, {"steps", 600}});
    auto shorter = backend.start("echo", {{"duration_ms", 2000}, {"steps", 20}});
    CHECK(long_one.at("worker_id") != shorter.at("worker_id"));
    const std::string long_id = started_id(long_one);
    const std::string short_id = started_id(shorter);

    auto queued = backend.start("echo", {{"duration_ms", 0}, {"note", "third"}}, 202);
    CHECK(queued.at("success") == true);
    CHECK(queued.at("status") == "queued");
    CHECK_FALSE(queued.contains("worker_id"));
    const std::string queued_id = started_id(queued);
    CHECK(backend.operation_status(queued_id) == "queued");
    CHECK(backend.operation(queued_id).at("worker_id").is_null());

    backend.wait_for_status(queued_id, "completed");
    CHECK(backend.operation_status(short_id) == "completed");
    CHECK(backend.operation(queued_id).at("worker_id") == shorter.at("worker_id"));
    CHECK(backend.operation_status(long_id) == "running");

    CHECK(backend.del("/api/v1/operations/" + long_id + "/cancel").status == 200);
    backend.wait_for_status(long_id, "cancelled");
}

TEST_CASE("queued operations run by priority, then age", "[integration][backend]") {
    BackendUnderTest backend;
    BackendWorker worker(backend, "echo", "echo-queue-1");
    const std::string blocker = started_id(backend.start("echo", {{"duration_ms", 60000}, {"steps", 600}}));
    backend.wait_for_status(blocker, "running");

    std::vector<std::string> ids;
    for (int priority : {1, 5, 5}) {
        auto answer = backend.start("echo", {{"duration_ms", 200}, {"steps", 2}, {"priority", priority}}, 202);
        CHECK(answer.at("status") == "queued");
        ids.push_back(started_id(answer));
        auto op = backend.operation(ids.back());
        CHECK(op.at("priority") == priority);
        wait_past(backend, string_of(op.at("created_at")));
    }
    const std::string low = ids[0], high_older = ids[1], high_newer = ids[2];
    CHECK(list_operations(backend, "?status=queued").at("total") == 3);

    CHECK(backend.del("/api/v1/operations/" + blocker + "/cancel").status == 200);
    for (const auto& id : ids) {
        INFO(id);
        backend.wait_for_status(id, "completed");
    }
    const auto started = [&](const std::string& id) { return string_of(backend.operation(id).at("started_at")); };
    const auto completed = [&](const std::string& id) { return string_of(backend.operation(id).at("completed_at")); };
    CHECK(started(high_older) < started(high_newer));
    CHECK(started(high_newer) < started(low));
    CHECK(completed(high_older) < completed(high_newer));
    CHECK(completed(high_newer) < completed(low));
}

TEST_CASE("cancel through the backend: running ends cancelled, queued is cancelled in place, finished is 409",
          "[integration][backend]") {
    BackendUnderTest backend;
    BackendWorker worker(backend, "echo", "echo-cancel-1");

    const std::string running = started_id(backend.start("echo", {{"duration_ms", 60000}, {"steps", 600}}));
    backend.wait_for_status(running, "running");
    auto cancelled = backend.del("/api/v1/operations/" + running + "/cancel");
    CHECK(cancelled.status == 200);
    CHECK(json_of(cancelled).at("success") == true);
    backend.wait_for_status(running, "cancelled", std::chrono::seconds(5));

    wait_idle(backend, worker);
    const std::string blocker = started_id(backend.start("echo", {{"duration_ms", 60000}, {"steps", 600}}));
    const std::string queued = started_id(backend.start("echo", {{"duration_ms", 0}}, 202));
    auto in_place = backend.del("/api/v1/operations/" + queued + "/cancel");
    CHECK(in_place.status == 200);
    CHECK(json_of(in_place).at("success") == true);
    auto op = backend.operation(queued);
    CHECK(op.at("status") == "cancelled");
    CHECK(op.at("worker_id").is_null());
    CHECK(op.at("attempts") == 0);

    auto again = backend.del("/api/v1/operations/" + running + "/cancel");
    check_json_error(again, 409);
    check_json_error(backend.del("/api/v1/operations/" + queued + "/cancel"), 409);
    check_json_error(backend.del("/api/v1/operations/op_unknown/cancel"), 404);

    CHECK(backend.del("/api/v1/operations/" + blocker + "/cancel").status == 200);
    backend.wait_for_status(blocker, "cancelled");
    // The cancelled queued operation never reached the worker.
    http::BlockingHttpClient client;
    CHECK(client.get(worker.url() + "/api/v1/operations/" + queued).status == 404);
}

TEST_CASE("unknown domain is 404, impossible requirements 422, met requirements dispatch", "[integration][backend]") {
    BackendUnderTest backend;
    BackendWorker worker(backend, "echo", "echo-req-1", {"--capabilities", R"({"cores": 2, "gpu": false})"});

    check_json_error(backend.post("/api/v1/nothing-here/start", "{}"), 404);
    check_json_error(backend.post("/api/v1/echo/start", R"({"requirements": {"cores": 4096}})"), 422);
    check_json_error(backend.post("/api/v1/echo/start", R"({"requirements": {"gpu": true}})"), 422);
    CHECK(list_operations(backend, "").at("total") == 0);

    auto answer = backend.start("echo", {{"duration_ms", kQuick}, {"requirements", {{"cores", 1}, {"gpu", false}}}});
    CHECK(answer.at("status") == "started");
    CHECK(answer.at("worker_id") == "echo-req-1");
    const std::string id = started_id(answer);
    backend.wait_for_status(id, "completed");
}

TEST_CASE("a worker busy with work started on it directly answers 503 and the backend uses the next one",
          "[integration][backend]") {
    // Health checks far apart, so only the 503 can tell the backend the first worker is busy.
    BackendUnderTest backend({"--health-interval", "60s"});
    BackendWorker busy(backend, "echo", "echo-a-busy", {"--health-interval", "60s"});
    BackendWorker free(backend, "echo", "echo-b-free", {"--health-interval", "60s"});

    http::BlockingHttpClient client;
    json_of(client.post(busy.url() + "/echo/start", R"({"task_id": "direct_1", "duration_ms": 60000})"));
    CHECK(backend.worker_status("echo-a-busy") == "AVAILABLE");

    // Neither has had work from the backend; the tie goes to the first id, which refuses.
    auto answer = backend.start("echo", {{"duration_ms", kQuick}});
    CHECK(answer.at("status") == "started");
    CHECK(answer.at("worker_id") == "echo-b-free");
    CHECK(backend.worker_status("echo-a-busy") == "BUSY");
    const std::string id = started_id(answer);
    backend.wait_for_status(id, "completed");
    auto op = backend.operation(id);
    CHECK(op.at("worker_id") == "echo-b-free");
    CHECK(op.at("attempts") == 1);
    CHECK(client.get(busy.url() + "/api/v1/operations/" + id).status == 404);
    client.del(busy.url() + "/api/v1/operations/direct_1/cancel");
}

TEST_CASE("the backend's operation list filters by status, worker and type, and pages", "[integration][backend]") {
    BackendUnderTest backend;
    BackendWorker worker(backend, "echo", "echo-page-1");
    BackendWorker other(backend, "backtest", "bt-page-1");

    std::vector<std::string> ids;
    for (const object& request :
         {object{{"note", "0"}, {"duration_ms", kQuick}}, object{{"note", "1"}, {"duration_ms", kQuick}},
          object{{"note", "2"}, {"duration_ms", kQuick}}, object{{"fail_with", "boom"}, {"duration_ms", kQuick}}}) {
        wait_idle(backend, worker);
        ids.push_back(started_id(backend.start("echo", request)));
        const std::string& id = ids.back();
        REQUIRE(eventually([&] {
            const auto status = backend.operation_status(id);
            return status == "completed" || status == "failed";
        }));
        wait_past(backend, string_of(backend.operation(id).at("created_at")));
    }
    CHECK(backend.operation(ids[3]).at("error_message") == "boom");

    auto completed = list_operations(backend, "?status=completed");
    CHECK(completed.at("total") == 3);
    for (const auto& item : completed.at("operations").as_array()) CHECK(item.as_object().at("status") == "completed");
    CHECK(list_operations(backend, "?status=failed").at("total") == 1);
    CHECK(list_operations(backend, "?status=running").at("total") == 0);
    CHECK(list_operations(backend, "?worker_id=echo-page-1").at("total") == 4);
    CHECK(list_operations(backend, "?worker_id=bt-page-1").at("total") == 0);
    CHECK(list_operations(backend, "?operation_type=echo").at("total") == 4);
    CHECK(list_operations(backend, "?operation_type=backtest").at("total") == 0);
    CHECK(list_operations(backend, "?operation_type=echo&status=failed&worker_id=echo-page-1").at("total") == 1);

    auto page = list_operations(backend, "?limit=2&offset=1");
    CHECK(page.at("total") == 4);
    CHECK(page.at("limit") == 2);
    CHECK(page.at("offset") == 1);
    const auto& items = page.at("operations").as_array();
    REQUIRE(items.size() == 2);
    // Newest first: [failed, 2, 1, 0] -> the page is 2, 1.
    CHECK(items[0].as_object().at("operation_id") == boost::json::value(ids[2]));
    CHECK(items[1].as_object().at("operation_id") == boost::json::value(ids[1]));
    CHECK(items[0].as_object().contains("worker_id"));
    CHECK(list_operations(backend, "?limit=2&offset=4").at("operations").as_array().empty());
}

TEST_CASE("metrics are proxied from the worker and page with a cursor", "[integration][backend]") {
    BackendUnderTest backend;
    BackendWorker worker(backend, "echo", "echo-metrics-1");
    const std::string id = started_id(backend.start("echo", {{"duration_ms", kQuick}, {"steps", 25}}));
    backend.wait_for_status(id, "completed");

    auto first = json_of(backend.get("/api/v1/operations/" + id + "/metrics?limit=10")).at("data").as_object();
    CHECK(first.at("operation_id") == boost::json::value(id));
    CHECK(first.at("metrics").as_array().size() == 10);
    CHECK(first.at("has_more") == true);
    const std::string cursor = string_of(first.at("cursor"));
    REQUIRE_FALSE(cursor.empty());

    auto rest = json_of(backend.get("/api/v1/operations/" + id + "/metrics?cursor=" + cursor + "&limit=100"))
                    .at("data").as_object();
    CHECK(rest.at("metrics").as_array().size() == 15);
    CHECK(rest.at("has_more") == false);
    auto one = rest.at("metrics").as_array().front().as_object();
    CHECK(one.at("name") == "step");
    CHECK(one.contains("timestamp"));
    CHECK(one.contains("value"));
    check_json_error(backend.get("/api/v1/operations/op_nope/metrics"), 404);
}

TEST_CASE("with a token every backend call but /health and /metrics needs it, and dispatch carries it",
          "[integration][backend][security]") {
    BackendUnderTest backend({"--token", "t"});
    BackendWorker worker(backend, "echo", "echo-token-1");  // gets --token t, so it registered with it

    http::BlockingHttpClient client;
    CHECK(client.get(backend.url() + "/health").status == 200);
    CHECK(client.get(backend.url() + "/metrics").status == 200);
    check_json_error(client.get(backend.url() + "/api/v1/workers"), 401);
    check_json_error(client.get(backend.url() + "/api/v1/workers", "wrong"), 401);
    check_json_error(client.get(backend.url() + "/api/v1/operations"), 401);
    check_json_error(client.post(backend.url() + "/api/v1/echo/start", "{}"), 401);
    check_json_error(client.post(backend.url() + "/api/v1/workers/register", "{}"), 401);
    check_json_error(client.del(backend.url() + "/api/v1/workers/echo-token-1"), 401);
    CHECK(backend.worker_status("echo-token-1") == "AVAILABLE");

    // The worker itself wants the token too: the backend forwards it on every call.
    CHECK(client.get(worker.url() + "/api/v1/operations").status == 401);
    auto answer = backend.start("echo", {{"duration_ms", kQuick}, {"steps", 5}});
    CHECK(answer.at("status") == "started");
    const std::string id = started_id(answer);
    backend.wait_for_status(id, "completed");
    CHECK(json_of(backend.get("/api/v1/operations/" + id + "/metrics")).at("success") == true);
    CHECK(json_of(backend.get("/api/v1/operations/" + id + "?force_refresh=true")).at("success") == true);
    CHECK(list_operations(backend, "").at("total") == 1);

    // A long one, cancelled through the backend.
    wait_idle(backend, worker);
    const std::string long_id = started_id(backend.start("echo", {{"duration_ms", 60000}}));
    backend.wait_for_status(long_id, "running");
    CHECK(backend.del("/api/v1/operations/" + long_id + "/cancel").status == 200);
    backend.wait_for_status(long_id, "cancelled");
    // Health checks carry it as well: the worker stays AVAILABLE across several intervals.
    CHECK(backend.worker("echo-token-1")->at("health_check_failures") == 0);
}

TEST_CASE("/health counts and /metrics speaks Prometheus, both without a token", "[integration][backend]") {
    BackendUnderTest backend({"--token", "t"});
    BackendWorker worker(backend, "echo", "echo-prom-1");
    const std::string id = started_id(backend.start("echo", {{"duration_ms", kQuick}}));
    backend.wait_for_status(id, "completed");

    http::BlockingHttpClient client;
    auto health = json_of(client.get(backend.url() + "/health"));
    CHECK(health.at("healthy") == true);
    CHECK(health.at("workers").is_object());
    // Every status word is there, zero or not.
    for (auto status : {"AVAILABLE", "BUSY", "TEMPORARILY_UNAVAILABLE", "DRAINING"})
        CHECK(health.at("workers").as_object().contains(status));
    CHECK(health.at("workers").as_object().at("DRAINING") == 0);
    CHECK(health.at("operations").as_object().at("completed") == 1);
    CHECK(health.at("operations").as_object().at("failed") == 0);

    auto page = client.get(backend.url() + "/metrics");
    REQUIRE(page.status == 200);
    for (auto name : {"fleet_workers{status=\"AVAILABLE\"}", "fleet_operations{status=\"completed\"} 1\n",
                      "fleet_dispatches_total 1\n", "fleet_dispatch_latency_seconds_bucket{le=\"+Inf\"} 1\n",
                      "fleet_queue_depth{domain=\"echo\"} 0\n", "fleet_operations_dispatched_total{domain=\"echo\"} 1\n",
                      "# TYPE fleet_dispatch_latency_seconds histogram"}) {
        INFO(name << "\n" << page.body);
        CHECK(page.body.find(name) != std::string::npos);
    }
}

TEST_CASE("bad input on backend endpoints gets a JSON 4xx and the backend stays healthy", "[integration][backend]") {
    BackendUnderTest backend;
    BackendWorker worker(backend, "echo", "echo-bad-1");
    const std::string register_path = "/api/v1/workers/register";

    check_json_error(backend.post(register_path, "{not json"), 400);
    check_json_error(backend.post(register_path, "[1, 2]"), 400);
    check_json_error(backend.post(register_path, ""), 400);
    check_json_error(backend.post(register_path, R"({"worker_type": "echo", "endpoint_url": "http://127.0.0.1:1"})"), 400);
    check_json_error(backend.post(register_path, R"({"worker_id": 7, "worker_type": "echo", "endpoint_url": "http://127.0.0.1:1"})"), 400);
    check_json_error(backend.post(register_path, R"({"worker_id": "a b", "worker_type": "echo", "endpoint_url": "http://127.0.0.1:1"})"), 400);
    check_json_error(backend.post(register_path, R"({"worker_id": "w", "worker_type": "echo", "endpoint_url": "not a url"})"), 400);
    check_json_error(backend.post(register_path, R"({"worker_id": "w", "worker_type": "echo", "endpoint_url": "ftp://127.0.0.1:1"})"), 400);
    check_json_error(backend.post(register_path, R"({"worker_id": "w", "worker_type": "echo", "endpoint_url": "http://127.0.0.1:1", "max_concurrent": 0})"), 400);
    check_json_error(backend.post(register_path, R"({"worker_id": "w", "worker_type": "echo", "endpoint_url": "http://127.0.0.1:1", "surprise": 1})"), 400);
    CHECK_FALSE(backend.worker("w").has_value());

    // A worker's report with progress that is not well formed: refused, nothing taken.
    const std::string reported = string_of(backend.start("echo", {{"duration_ms", 300}}).at("operation_id"));
    for (const std::string progress : {R"("half")", R"({"percentage": "half"})", R"({"percentage": 140})",
                                       R"({"current_step": 3})", R"({"estimated_remaining_seconds": "soon"})"})
        check_json_error(
            backend.post("/api/v1/operations/" + reported + "/events", R"({"progress": )" + progress + "}"), 400);
    backend.wait_for_status(reported, "completed");  // the worker is free again for what follows
    CHECK(backend.operation(reported).at("progress").at("percentage") == 100);

    check_json_error(backend.post("/api/v1/echo/start", "{not json"), 400);
    check_json_error(backend.post("/api/v1/echo/start", R"({"priority": "high"})"), 400);
    check_json_error(backend.post("/api/v1/echo/start", R"({"max_retries": -1})"), 400);
    check_json_error(backend.post("/api/v1/echo/start", R"({"requirements": [1]})"), 400);
    check_json_error(backend.post("/api/v1/echo/start", R"({"duration_ms": "long"})"), 400);

    const std::string long_id(200, 'x');
    check_json_error(backend.get("/api/v1/workers/a%20b"), 400);
    check_json_error(backend.get("/api/v1/workers/" + long_id), 400);
    check_json_error(backend.del("/api/v1/workers/a%20b"), 400);
    check_json_error(backend.get("/api/v1/operations/a%20b"), 400);
    check_json_error(backend.get("/api/v1/operations/" + long_id), 400);
    check_json_error(backend.del("/api/v1/operations/" + long_id + "/cancel"), 400);
    check_json_error(backend.get("/api/v1/operations/a%20b/metrics"), 400);
    check_json_error(backend.get("/api/v1/operations/op_nope"), 404);
    check_json_error(backend.del("/api/v1/workers/nobody"), 404);

    check_json_error(backend.get("/api/v1/workers?status=SLEEPING"), 400);
    check_json_error(backend.get("/api/v1/operations?status=done"), 400);
    check_json_error(backend.get("/api/v1/operations?limit=-1"), 400);
    check_json_error(backend.get("/api/v1/operations?limit=abc"), 400);
    check_json_error(backend.get("/api/v1/operations?offset=-5"), 400);
    check_json_error(backend.get("/api/v1/operations/op_nope?force_refresh=maybe"), 400);

    check_json_error(backend.get("/api/v1/nothing"), 404);
    check_json_error(backend.get("/nothing/at/all"), 404);
    auto wrong_method = backend.post("/api/v1/workers", "{}");
    check_json_error(wrong_method, 405);
    check_json_error(backend.del("/api/v1/operations"), 405);

    // Bodies past their route's limit: 1 MiB, or 18 MiB where a worker's result rides.
    auto huge = backend.post("/api/v1/echo/start", "{\"pad\": \"" + std::string(2 * 1024 * 1024, 'a') + "\"}");
    INFO("huge: " << huge.status << " " << huge.error_message);
    check_json_error(huge, 413);
    auto huger = backend.post(register_path, "{\"worker_id\": \"" + std::string(19 * 1024 * 1024, 'a') + "\"}");
    INFO("huger: " << huger.status << " " << huger.error_message);
    check_json_error(huger, 413);
    check_json_error(backend.post(register_path, "{\"worker_id\": \"" + std::string(2 * 1024 * 1024, 'a') + "\"}"), 400);

    CHECK(backend.healthy());
    CHECK(backend.worker_status("echo-bad-1") == "AVAILABLE");
    CHECK(backend.workers().size() == 1);
    const std::string id = started_id(backend.start("echo", {{"duration_ms", kQuick}}));
    backend.wait_for_status(id, "completed");
}

TEST_CASE("fleet-backend --check-health asks the local backend for /health", "[integration][backend]") {
    BackendUnderTest backend;
    Process healthy(FLEET_BACKEND_BIN, {"--check-health"}, {"FLEET_PORT=" + std::to_string(backend.port())});
    REQUIRE(healthy.wait(std::chrono::seconds(10)) == 0);
    CHECK(healthy.output().find("\"healthy\":true") != std::string::npos);

    Process refused(FLEET_BACKEND_BIN, {"--check-health", "--port", std::to_string(free_loopback_port())});
    REQUIRE(refused.wait(std::chrono::seconds(10)) == 1);
}

TEST_CASE("numbers pass through the backend and a worker exactly as they were sent", "[integration][backend]") {
    BackendUnderTest backend;
    BackendWorker worker(backend, "echo", "echo-exact");
    // Each is read 1 ulp off by Boost.JSON 1.81's own parser.
    const std::vector<double> values{-254224.60108763038, -102167.84850444621, -906393.9651580247, 0.1, 1e-300};
    boost::json::array sent(values.begin(), values.end());
    const std::string id = started_id(backend.start("echo", {{"duration_ms", 0}, {"values", sent}}));
    backend.wait_for_status(id, "completed");
    const auto echoed = backend.operation(id).at("result").at("echo").at("values").as_array();
    REQUIRE(echoed.size() == values.size());
    for (std::size_t i = 0; i < values.size(); ++i) {
        INFO(i);
        CHECK(echoed[i].as_double() == values[i]);
    }
}
