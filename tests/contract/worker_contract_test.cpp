#include "tests/contract/contract_fixture.hpp"
#include "tests/contract/contract_probes.hpp"
#include "tests/integration/worker_fixture.hpp"

#include <boost/json/object.hpp>

#include <chrono>

using namespace fleet::contract;
using boost::json::object;
using fleet::test::WorkerUnderTest;

namespace {

std::optional<std::string> worker_exemption(const Triple& triple) {
    if (triple.status == "500") return "500: an unexpected failure has no outside trigger in a correct worker";
    return std::nullopt;
}

bool is_terminal(const Answer& answer) {
    const auto status = answer.text("status");
    return status == "completed" || status == "failed" || status == "cancelled";
}

// Starts a run of `request` that lasts, shows that a start meanwhile is
// refused with 503, and cancels the run again.
void refuse_while_busy(ContractSession& api, const std::string& start_path, const object& long_request,
                       const object& other_request) {
    const auto started = api.expect(200, "POST", start_path, body_of(long_request));
    const std::string path = "/api/v1/operations/" + started.text("operation_id");
    api.expect(503, "POST", start_path, body_of(other_request));
    api.call("GET", path);
    const auto cancel = api.call("DELETE", path + "/cancel");
    CHECK((cancel.status() == 200 || cancel.status() == 409));  // 409 only if it finished first
    api.poll_until(path, is_terminal);
}

}  // namespace

TEST_CASE("worker answers match proto_docs/openapi/worker.yaml", "[contract]") {
    const auto began = std::chrono::steady_clock::now();
    const auto document = OpenApiDocument::load(document_path("worker.yaml"));
    ContractChecker checker(document, ValidationOptions{true});
    ScratchDir scratch;

    auto arguments = [](std::vector<std::string> extra) {
        extra.insert(extra.end(), {"--token", kToken, "--read-timeout", "300ms"});
        return extra;
    };
    WorkerUnderTest echo("echo", arguments({"--worker-id", "contract-echo", "--max-concurrent", "2"}));
    WorkerUnderTest backtest("backtest", arguments({"--worker-id", "contract-backtest"}));
    WorkerUnderTest processing("data_processing", arguments({"--worker-id", "contract-data"}));
    ContractSession echo_api("echo worker", checker, echo.port(), kToken);
    ContractSession backtest_api("backtest worker", checker, backtest.port(), kToken);
    ContractSession processing_api("data_processing worker", checker, processing.port(), kToken);
    // Each start endpoint goes to the worker that serves it; the rest to the echo worker.
    auto session_for = [&](const std::string& path) -> ContractSession& {
        if (path == "/backtests/start") return backtest_api;
        if (path == "/data-processing/start") return processing_api;
        return echo_api;
    };

    auto read_timeouts = start_read_timeout_probes(
        document, [&](const std::string& path) { return session_for(path).port(); }, std::chrono::seconds(5));

    // Health, metrics and routing.
    echo_api.expect(200, "GET", "/health");
    echo_api.expect(200, "GET", "/metrics");
    echo_api.expect(200, "GET", "/openapi.yaml", std::nullopt, Credentials::None);
    echo_api.expect(405, "DELETE", "/health");
    echo_api.expect(405, "GET", "/echo/start");
    echo_api.expect(404, "GET", "/no/such/path");

    // An echo run from start to end, its metrics in pages, a repeated task_id, a late cancel.
    const auto quick = echo_api.expect(200, "POST", "/echo/start",
                                       body_of(object{{"duration_ms", 200}, {"steps", 4}, {"note", "contract"}}));
    const std::string quick_id = quick.text("operation_id");
    REQUIRE(!quick_id.empty());
    const std::string quick_path = "/api/v1/operations/" + quick_id;
    echo_api.wait_for_status(quick_path, "completed");
    const auto first_page = echo_api.expect(200, "GET", quick_path + "/metrics?limit=1");
    CHECK(first_page.object().at("data").at("has_more") == true);
    echo_api.expect(200, "GET", quick_path + "/metrics?cursor=" + first_page.text("cursor") + "&limit=100");
    const auto repeat = echo_api.expect(200, "POST", "/echo/start", body_of(object{{"task_id", quick_id}}));
    CHECK(repeat.object().contains("already_known"));
    echo_api.expect(409, "DELETE", quick_path + "/cancel");

    // A run that fails.
    const auto failing =
        echo_api.expect(200, "POST", "/echo/start", body_of(object{{"steps", 1}, {"fail_with", "contract failure"}}));
    echo_api.wait_for_status("/api/v1/operations/" + failing.text("operation_id"), "failed");

    // Two long runs fill both slots: health lists both, a third start is refused; then both are cancelled.
    const std::vector<std::string> long_ids{"contract-long-a", "contract-long-b"};
    for (const auto& id : long_ids)
        echo_api.expect(200, "POST", "/echo/start",
                        body_of(object{{"task_id", id}, {"duration_ms", 60000}, {"steps", 600}}));
    echo_api.poll_until("/health", [](const Answer& a) { return a.object().contains("current_operations"); });
    echo_api.expect(503, "POST", "/echo/start", body_of(object{{"duration_ms", 10}}));
    echo_api.wait_for_status("/api/v1/operations/contract-long-a", "running");
    echo_api.expect(200, "GET", "/api/v1/operations?status=running&operation_type=echo&limit=10&offset=0");
    echo_api.expect(200, "GET", "/api/v1/operations/contract-long-a/metrics");
    for (const auto& id : long_ids) echo_api.expect(200, "DELETE", "/api/v1/operations/" + id + "/cancel");
    for (const auto& id : long_ids) echo_api.wait_for_status("/api/v1/operations/" + id, "cancelled");
    echo_api.expect(409, "DELETE", "/api/v1/operations/contract-long-a/cancel");
    echo_api.expect(200, "GET", "/api/v1/operations");
    echo_api.expect(200, "GET", "/metrics");

    // Refusals.
    echo_api.expect(400, "POST", "/echo/start", std::string("{not json"));
    echo_api.expect(400, "POST", "/echo/start", std::string("[1, 2]"));
    echo_api.expect(400, "POST", "/echo/start", body_of(object{{"steps", "ten"}}));
    echo_api.expect(400, "POST", "/echo/start", body_of(object{{"duration_ms", -1}}));
    echo_api.expect(400, "POST", "/echo/start", body_of(object{{"task_id", "not a plain id"}}));
    echo_api.expect(404, "POST", "/no-such-domain/start", std::string("{}"));
    echo_api.expect(400, "GET", "/api/v1/operations?limit=many");
    echo_api.expect(400, "GET", "/api/v1/operations?limit=1001");
    echo_api.expect(400, "GET", "/api/v1/operations?status=queued");
    echo_api.expect(404, "GET", "/api/v1/operations/op_000000000000");
    echo_api.expect(400, "GET", "/api/v1/operations/not%20plain");
    echo_api.expect(404, "GET", "/api/v1/operations/op_000000000000/metrics");
    echo_api.expect(400, "GET", quick_path + "/metrics?cursor=abc");
    echo_api.expect(404, "DELETE", "/api/v1/operations/op_000000000000/cancel");
    echo_api.expect(400, "DELETE", "/api/v1/operations/not%20plain/cancel");

    // Backtest: the sample run, its refusals, and a long run that keeps the worker busy.
    const object backtest_request{{"symbol", "AAPL"},       {"timeframe", "1h"},
                                  {"data_file", sample_file("AAPL_1h.csv")}, {"fast", 10},
                                  {"slow", 30},             {"initial_capital", 10000}};
    const auto backtest_run = backtest_api.expect(200, "POST", "/backtests/start", body_of(backtest_request));
    const std::string backtest_path = "/api/v1/operations/" + backtest_run.text("operation_id");
    backtest_api.wait_for_status(backtest_path, "completed");
    backtest_api.expect(200, "GET", backtest_path + "/metrics");
    backtest_api.expect(200, "GET", "/health");
    // The same run with its trades in a file, so the result's other shape is checked too.
    auto to_file = backtest_request;
    to_file["max_trades_inline"] = 0;
    to_file["trades_file"] = scratch.file("aapl.trades.csv");
    const auto to_file_run = backtest_api.expect(200, "POST", "/backtests/start", body_of(to_file));
    backtest_api.wait_for_status("/api/v1/operations/" + to_file_run.text("operation_id"), "completed");
    backtest_api.expect(400, "POST", "/backtests/start", with_field(backtest_request, "max_trades_inline", -1));
    backtest_api.expect(400, "POST", "/backtests/start", with_field(backtest_request, "timeframe", "7x"));
    backtest_api.expect(400, "POST", "/backtests/start", with_field(backtest_request, "leverage", 3));
    backtest_api.expect(400, "POST", "/backtests/start", with_field(backtest_request, "data_file", boost::json::string(scratch.file("missing.csv"))));
    const std::string long_csv = scratch.long_ohlcv("long.csv", 500'000);
    refuse_while_busy(backtest_api, "/backtests/start",
                      object{{"symbol", "LONG"}, {"timeframe", "1m"}, {"data_file", long_csv}}, backtest_request);

    // Data processing: the sample run, its refusals, and a long run that keeps the worker busy.
    const object processing_request{{"source_file", sample_file("sensor_readings.csv")},
                                    {"output_file", scratch.file("sensor_readings.out.csv")},
                                    {"operations", boost::json::array{"clean", "transform", "validate"}}};
    const auto processing_run =
        processing_api.expect(200, "POST", "/data-processing/start", body_of(processing_request));
    const std::string processing_path = "/api/v1/operations/" + processing_run.text("operation_id");
    processing_api.wait_for_status(processing_path, "completed");
    processing_api.expect(200, "GET", processing_path + "/metrics");
    processing_api.expect(400, "POST", "/data-processing/start", std::string("{}"));
    processing_api.expect(400, "POST", "/data-processing/start",
                          with_field(processing_request, "operations", boost::json::array{"explode"}));
    processing_api.expect(400, "POST", "/data-processing/start", with_field(processing_request, "compress", true));
    refuse_while_busy(processing_api, "/data-processing/start",
                      object{{"source_file", long_csv}, {"output_file", scratch.file("long.out.csv")},
                             {"operations", boost::json::array{"clean", "transform", "validate"}}},
                      processing_request);

    // The refusals every endpoint shares: token, HTTP layer, read timeout.
    probe_authentication(document, session_for);
    probe_http_layer(document, session_for);
    finish_read_timeout_probes(read_timeouts, session_for);

    // Drain last, on a worker of its own: it leaves once drained.
    WorkerUnderTest drainer("echo", arguments({"--worker-id", "contract-drainer"}));
    ContractSession drainer_api("draining worker", checker, drainer.port(), kToken);
    const auto drained = drainer_api.expect(202, "POST", "/api/v1/drain");
    CHECK(drained.text("worker_status") == "draining");
    const auto code = drainer.process().wait(std::chrono::seconds(10));
    REQUIRE(code.has_value());
    CHECK(*code == 0);

    require_full_coverage(checker, "worker.yaml", worker_exemption);
    const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - began);
    WARN("worker.yaml contract run took " << took.count() << " ms");
}
