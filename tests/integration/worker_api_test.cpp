#include "tests/integration/worker_fixture.hpp"
#include "tests/support/fake_server.hpp"

#include <filesystem>

using namespace fleet;
using namespace fleet::test;
using boost::json::object;

namespace {

object operation(http::BlockingHttpClient& client, const WorkerUnderTest& worker, const std::string& id) {
    auto body = json_of(client.get(worker.url() + "/api/v1/operations/" + id));
    REQUIRE(body.at("success") == true);
    return body.at("data").as_object();
}

std::string status_of(http::BlockingHttpClient& client, const WorkerUnderTest& worker, const std::string& id) {
    return std::string(operation(client, worker, id).at("status").as_string());
}

}  // namespace

TEST_CASE("health reports an idle worker of its type", "[integration][worker]") {
    WorkerUnderTest worker("echo", {"--worker-id", "echo-test-1"});
    http::BlockingHttpClient client;
    auto health = json_of(client.get(worker.url() + "/health"));
    CHECK(health.at("healthy") == true);
    CHECK(health.at("service") == "echo-worker");
    CHECK(health.at("worker_id") == "echo-test-1");
    CHECK(health.at("worker_type") == "echo");
    CHECK(health.at("status") == "operational");
    CHECK(health.at("worker_status") == "idle");
    CHECK(health.at("current_operation").is_null());
    const std::string timestamp(health.at("timestamp").as_string());
    CHECK(timestamp.size() == 24);
    CHECK(timestamp.back() == 'Z');
}

TEST_CASE("start without task_id makes a worker_ id; the operation runs to completion", "[integration][worker]") {
    WorkerUnderTest worker("echo");
    http::BlockingHttpClient client;
    auto started = json_of(client.post(worker.url() + "/echo/start", R"({"duration_ms": 200, "steps": 4, "note": "hi"})"));
    CHECK(started.at("success") == true);
    CHECK(started.at("status") == "started");
    const std::string id(started.at("operation_id").as_string());
    CHECK(id.rfind("worker_", 0) == 0);
    CHECK(id.size() == 19);

    REQUIRE(eventually([&] { return status_of(client, worker, id) == "completed"; }));
    auto op = operation(client, worker, id);
    CHECK(op.at("operation_type") == "echo");
    CHECK(op.at("progress").as_object().at("percentage").to_number<double>() == 100.0);
    CHECK(op.at("result").as_object().at("echo").as_object().at("note") == "hi");
    CHECK(op.at("metadata").as_object().at("note") == "hi");
    CHECK(op.at("error_message").is_null());
    for (auto field : {"created_at", "updated_at", "started_at", "completed_at"}) CHECK(op.at(field).is_string());
}

TEST_CASE("start with task_id uses it, and a repeat starts nothing", "[integration][worker]") {
    WorkerUnderTest worker("echo");
    http::BlockingHttpClient client;
    const std::string body = R"({"task_id": "op_sync_1", "duration_ms": 300})";
    auto first = json_of(client.post(worker.url() + "/echo/start", body));
    CHECK(first.at("operation_id") == "op_sync_1");
    auto again = json_of(client.post(worker.url() + "/echo/start", body));
    CHECK(again.at("success") == true);
    CHECK(again.at("operation_id") == "op_sync_1");
    CHECK(again.at("already_known") == true);
    auto list = json_of(client.get(worker.url() + "/api/v1/operations"));
    CHECK(list.at("data").as_object().at("total") == 1);
    REQUIRE(eventually([&] { return status_of(client, worker, "op_sync_1") == "completed"; }));
}

TEST_CASE("a busy worker answers 503 with its current operation", "[integration][worker]") {
    WorkerUnderTest worker("echo");
    http::BlockingHttpClient client;
    auto started = json_of(client.post(worker.url() + "/echo/start", R"({"duration_ms": 60000, "steps": 600})"));
    const std::string id(started.at("operation_id").as_string());

    auto busy = client.post(worker.url() + "/echo/start", R"({"duration_ms": 10})");
    CHECK(busy.status == 503);
    auto body = json_of(busy);
    CHECK(body.at("success") == false);
    CHECK(body.at("error") == "Worker busy");
    CHECK(body.at("current_operation") == boost::json::value(id));
    CHECK(body.at("status_code") == 503);

    auto health = json_of(client.get(worker.url() + "/health"));
    CHECK(health.at("worker_status") == "busy");
    CHECK(health.at("current_operation") == boost::json::value(id));
    client.del(worker.url() + "/api/v1/operations/" + id + "/cancel");
}

TEST_CASE("cancel mid-run ends the operation cancelled; a second cancel is 409", "[integration][worker]") {
    WorkerUnderTest worker("echo");
    http::BlockingHttpClient client;
    auto started = json_of(client.post(worker.url() + "/echo/start", R"({"duration_ms": 60000, "steps": 1000})"));
    const std::string id(started.at("operation_id").as_string());
    REQUIRE(eventually([&] { return status_of(client, worker, id) == "running"; }));

    auto cancelled = client.del(worker.url() + "/api/v1/operations/" + id + "/cancel");
    CHECK(cancelled.status == 200);
    CHECK(json_of(cancelled).at("success") == true);
    REQUIRE(eventually([&] { return status_of(client, worker, id) == "cancelled"; }, std::chrono::seconds(5)));
    CHECK(json_of(client.get(worker.url() + "/health")).at("worker_status") == "idle");

    auto again = client.del(worker.url() + "/api/v1/operations/" + id + "/cancel");
    CHECK(again.status == 409);
    CHECK(client.del(worker.url() + "/api/v1/operations/unknown_op/cancel").status == 404);
}

TEST_CASE("a failing engine ends the operation failed with its message", "[integration][worker]") {
    WorkerUnderTest worker("echo");
    http::BlockingHttpClient client;
    auto started = json_of(client.post(worker.url() + "/echo/start", R"({"fail_with": "disk on fire"})"));
    const std::string id(started.at("operation_id").as_string());
    REQUIRE(eventually([&] { return status_of(client, worker, id) == "failed"; }));
    CHECK(operation(client, worker, id).at("error_message") == "disk on fire");
}

TEST_CASE("a backtest on the sample data reports bar progress and a real result", "[integration][worker]") {
    WorkerUnderTest worker("backtest");
    http::BlockingHttpClient client;
    object request{{"symbol", "AAPL"}, {"timeframe", "1h"}, {"data_file", sample("AAPL_1h.csv")},
                   {"fast", 10}, {"slow", 30}, {"initial_capital", 10000}};
    auto started = json_of(client.post(worker.url() + "/backtests/start", to_body(request)));
    const std::string id(started.at("operation_id").as_string());
    REQUIRE(eventually([&] { return status_of(client, worker, id) == "completed"; }));
    auto op = operation(client, worker, id);
    auto progress = op.at("progress").as_object();
    CHECK(progress.at("total_bars").to_number<double>() > 1000);
    auto result = op.at("result").as_object();
    CHECK(result.at("symbol") == "AAPL");
    CHECK(result.at("trade_count").to_number<double>() > 0);
    CHECK(result.contains("sharpe_ratio"));
    CHECK(result.contains("max_drawdown_pct"));
    CHECK(result.contains("total_return_pct"));
}

TEST_CASE("data processing cleans, transforms and validates a CSV file", "[integration][worker]") {
    WorkerUnderTest worker("data_processing");
    http::BlockingHttpClient client;
    const auto out = std::filesystem::temp_directory_path() / ("fleet_it_" + std::to_string(worker.port()) + ".csv");
    object request{{"source_file", sample("sensor_readings.csv")},
                   {"output_file", out.string()},
                   {"operations", boost::json::array{"clean", "transform", "validate"}}};
    auto started = json_of(client.post(worker.url() + "/data-processing/start", to_body(request)));
    const std::string id(started.at("operation_id").as_string());
    REQUIRE(eventually([&] { return status_of(client, worker, id) == "completed"; }));
    auto op = operation(client, worker, id);
    auto result = op.at("result").as_object();
    CHECK(result.at("output_file") == boost::json::value(out.string()));
    CHECK(result.at("rows_processed").to_number<double>() > 0);
    CHECK(result.contains("duration_seconds"));
    CHECK(op.at("progress").as_object().contains("total_rows"));
    CHECK(std::filesystem::file_size(out) > 0);
    std::filesystem::remove(out);
}

TEST_CASE("metrics come in pages after a cursor", "[integration][worker]") {
    WorkerUnderTest worker("echo");
    http::BlockingHttpClient client;
    auto started = json_of(client.post(worker.url() + "/echo/start", R"({"task_id": "m1", "duration_ms": 0, "steps": 25})"));
    REQUIRE(eventually([&] { return status_of(client, worker, "m1") == "completed"; }));

    auto first = json_of(client.get(worker.url() + "/api/v1/operations/m1/metrics?limit=10")).at("data").as_object();
    CHECK(first.at("operation_id") == "m1");
    CHECK(first.at("metrics").as_array().size() == 10);
    CHECK(first.at("has_more") == true);
    const std::string cursor(first.at("cursor").as_string());

    auto rest = json_of(client.get(worker.url() + "/api/v1/operations/m1/metrics?cursor=" + cursor + "&limit=100"))
                    .at("data").as_object();
    const auto& metrics = rest.at("metrics").as_array();
    CHECK(metrics.size() == 15);
    CHECK(rest.at("has_more") == false);
    auto one = metrics.front().as_object();
    CHECK(one.contains("timestamp"));
    CHECK(one.contains("name"));
    CHECK(one.contains("value"));
    CHECK(client.get(worker.url() + "/api/v1/operations/nope/metrics").status == 404);
}

TEST_CASE("the operations list filters by status and type and pages", "[integration][worker]") {
    WorkerUnderTest worker("echo", {"--max-concurrent", "4"});
    http::BlockingHttpClient client;
    for (int i = 0; i < 3; ++i) {
        auto id = "done_" + std::to_string(i);
        json_of(client.post(worker.url() + "/echo/start", to_body({{"task_id", id}})));
        REQUIRE(eventually([&] { return status_of(client, worker, id) == "completed"; }));
    }
    json_of(client.post(worker.url() + "/echo/start", R"({"task_id": "slow", "duration_ms": 60000})"));
    // Two lists read one after the other could both miss it as it moves from pending to running.
    REQUIRE(eventually([&] { return status_of(client, worker, "slow") == "running"; }));

    auto running = json_of(client.get(worker.url() + "/api/v1/operations?status=running")).at("data").as_object();
    auto pending = json_of(client.get(worker.url() + "/api/v1/operations?status=pending")).at("data").as_object();
    CHECK(running.at("total") == 1);
    CHECK(pending.at("total") == 0);

    auto completed = json_of(client.get(worker.url() + "/api/v1/operations?status=completed")).at("data").as_object();
    CHECK(completed.at("total") == 3);

    auto page = json_of(client.get(worker.url() + "/api/v1/operations?limit=2&offset=1")).at("data").as_object();
    CHECK(page.at("total") == 4);
    CHECK(page.at("limit") == 2);
    CHECK(page.at("offset") == 1);
    REQUIRE(page.at("operations").as_array().size() == 2);
    CHECK(page.at("operations").as_array()[0].as_object().at("operation_id") == "done_2");

    auto other = json_of(client.get(worker.url() + "/api/v1/operations?operation_type=backtest")).at("data").as_object();
    CHECK(other.at("total") == 0);

    // `fields`: each operation with the keys named and no other (what a restarted backend asks).
    auto sparse = json_of(client.get(worker.url() + "/api/v1/operations?limit=2&fields=operation_id,status"))
                      .at("data")
                      .as_object();
    CHECK(sparse.at("total") == 4);
    REQUIRE(sparse.at("operations").as_array().size() == 2);
    const auto& listed = sparse.at("operations").as_array();
    CHECK(listed[0] == boost::json::object{{"operation_id", "slow"}, {"status", "running"}});
    CHECK(listed[1] == boost::json::object{{"operation_id", "done_2"}, {"status", "completed"}});
    client.del(worker.url() + "/api/v1/operations/slow/cancel");
}

TEST_CASE("the worker's /metrics page counts operations in Prometheus text", "[integration][worker]") {
    WorkerUnderTest worker("echo");
    http::BlockingHttpClient client;
    json_of(client.post(worker.url() + "/echo/start", R"({"task_id": "p1"})"));
    REQUIRE(eventually([&] { return status_of(client, worker, "p1") == "completed"; }));
    auto page = client.get(worker.url() + "/metrics");
    REQUIRE(page.status == 200);
    CHECK(page.body.find("# TYPE fleet_worker_operations gauge") != std::string::npos);
    CHECK(page.body.find("fleet_worker_operations{status=\"completed\"} 1\n") != std::string::npos);
    CHECK(page.body.find("fleet_worker_operations_started_total 1\n") != std::string::npos);
    CHECK(page.body.find("fleet_worker_draining 0\n") != std::string::npos);
}

TEST_CASE("with a token every call but /health and /metrics needs it", "[integration][worker][security]") {
    WorkerUnderTest worker("echo", {"--token", "s3cret"});
    http::BlockingHttpClient client;
    CHECK(client.get(worker.url() + "/health").status == 200);
    CHECK(client.get(worker.url() + "/metrics").status == 200);
    auto refused = client.get(worker.url() + "/api/v1/operations");
    CHECK(refused.status == 401);
    CHECK(json_of(refused).at("success") == false);
    CHECK(client.get(worker.url() + "/api/v1/operations", "wrong").status == 401);
    CHECK(client.post(worker.url() + "/echo/start", "{}").status == 401);
    CHECK(client.get(worker.url() + "/api/v1/operations", "s3cret").status == 200);
    CHECK(client.post(worker.url() + "/echo/start", "{}", "s3cret").status == 200);
}

TEST_CASE("the worker registers, reports finished work and re-registers when health checks stop",
          "[integration][worker][registration]") {
    FakeServer backend;
    WorkerUnderTest worker("echo", {"--backend-url", backend.url(), "--token", "t0k", "--health-interval", "200ms",
                                    "--advertise-url", "http://127.0.0.1:1", "--capabilities", R"({"cores": 2})"});
    const auto is_registration = [](const RecordedRequest& r) { return r.path == "/api/v1/workers/register"; };
    const auto count_registrations = [&](const std::vector<RecordedRequest>& all) {
        return std::count_if(all.begin(), all.end(), is_registration);
    };
    REQUIRE(backend.wait_for([&](const auto& all) { return count_registrations(all) >= 1; }));
    const auto seen = backend.requests();
    const auto registration = *std::find_if(seen.begin(), seen.end(), is_registration);
    auto body = boost::json::parse(registration.body).as_object();
    CHECK(body.at("worker_type") == "echo");
    CHECK(body.at("domain") == "echo");
    CHECK(body.at("endpoint_url") == "http://127.0.0.1:1");
    CHECK(body.at("capabilities").as_object().at("cores") == 2);
    CHECK(body.at("max_concurrent") == 1);
    CHECK(registration.authorization == "Bearer t0k");

    http::BlockingHttpClient client;
    // Work that takes time ends by a completion notice.
    json_of(client.post(worker.url() + "/echo/start", R"({"task_id": "ev1", "duration_ms": 20})", "t0k"));
    REQUIRE(backend.wait_for([](const auto& all) {
        return std::any_of(all.begin(), all.end(), [](const RecordedRequest& r) {
            return r.path == "/api/v1/operations/ev1/events" && r.body.find("\"completed\"") != std::string::npos;
        });
    }));
    // Work that ends at once ends in the answer to its start, and no notice follows.
    const auto instant = json_of(client.post(worker.url() + "/echo/start", R"({"task_id": "ev2"})", "t0k"));
    CHECK(instant.at("status") == "started");
    CHECK(instant.at("operation").at("operation_id") == "ev2");
    CHECK(instant.at("operation").at("status") == "completed");

    // No health check for 3 intervals: the worker registers again.
    REQUIRE(backend.wait_for([&](const auto& all) { return count_registrations(all) >= 2; }, std::chrono::seconds(5)));
    const auto all = backend.requests();
    CHECK(std::none_of(all.begin(), all.end(),
                       [](const RecordedRequest& r) { return r.path == "/api/v1/operations/ev2/events"; }));
}
