#include "tests/integration/worker_fixture.hpp"
#include "tests/support/ports.hpp"

using namespace fleet;
using namespace fleet::test;

namespace {

// The last line on stdout that is a JSON object: the run's outcome.
boost::json::object outcome_of(const std::string& output) {
    const auto at = output.rfind("{\"status\"");
    REQUIRE(at != std::string::npos);
    return boost::json::parse(output.substr(at, output.find('\n', at) - at)).as_object();
}

}  // namespace

TEST_CASE("--run runs one backtest locally and prints its outcome in the admin run's words", "[integration][cli]") {
    Process run(FLEET_WORKER_BIN, {"--type", "backtest", "--run",
                                   to_body({{"symbol", "AAPL"}, {"timeframe", "1h"},
                                            {"data_file", sample("AAPL_1h.csv")}})});
    const auto code = run.wait(std::chrono::seconds(30));
    REQUIRE(code.has_value());
    CHECK(*code == 0);
    const std::string output = run.output();
    INFO(output);
    const auto outcome = outcome_of(output);
    CHECK(outcome.at("status") == "finished");
    CHECK(outcome.at("progress") == 100);
    CHECK(outcome.at("error_message").is_null());
    CHECK(outcome.at("duration_seconds").to_number<double>() >= 0);
    const auto& counters = outcome.at("counters").as_object();
    CHECK(counters.at("symbol") == "AAPL");
    CHECK(counters.at("trade_count").to_number<double>() > 0);
    CHECK(output.find("pending") != std::string::npos);      // the status before the engine starts
    CHECK(output.find("finished  [") != std::string::npos);  // the bar's last line
    CHECK(output.find("100%") != std::string::npos);
    // While it ran, the bar never said 100.
    CHECK(output.find("running   [##############################] 100%") == std::string::npos);
}

TEST_CASE("--run refuses invalid parameters with exit code 2 and names them", "[integration][cli]") {
    Process run(FLEET_WORKER_BIN, {"--type", "echo", "--run", R"({"steps": "many"})"});
    const auto code = run.wait(std::chrono::seconds(10));
    REQUIRE(code.has_value());
    CHECK(*code == 2);
    CHECK(run.output().find("'steps'") != std::string::npos);
}

TEST_CASE("--run reports a failing engine with exit code 1", "[integration][cli]") {
    Process run(FLEET_WORKER_BIN, {"--type", "echo", "--run", R"({"fail_with": "no disk"})"});
    const auto code = run.wait(std::chrono::seconds(10));
    REQUIRE(code.has_value());
    CHECK(*code == 1);
    INFO(run.output());
    const auto outcome = outcome_of(run.output());
    CHECK(outcome.at("status") == "failed");
    CHECK(outcome.at("counters").is_null());
    CHECK(std::string(outcome.at("error_message").as_string()).find("no disk") != std::string::npos);
    CHECK(outcome.at("progress").to_number<int>() <= 99);
}

namespace {

// The worker exits 2 at once, naming the mistake, and starts nothing.
void check_refused(const std::vector<std::string>& args, const std::string& named) {
    Process worker(FLEET_WORKER_BIN, args);
    const auto code = worker.wait(std::chrono::seconds(10));
    INFO(worker.output());
    REQUIRE(code.has_value());
    CHECK(*code == 2);
    CHECK(worker.output().find(named) != std::string::npos);
}

}  // namespace

TEST_CASE("an unknown type or a bad flag is refused before anything starts", "[integration][cli]") {
    check_refused({"--type", "teleport"}, "unknown worker type 'teleport'");
    check_refused({"--type", "echo", "--drain-timeout", "soon"}, "--drain-timeout");
    // A backend address without a scheme would be retried for ever: refused at once.
    check_refused({"--type", "echo", "--backend-url", "backend:8000"}, "--backend-url must be an http:// or https:// URL");
    check_refused({"--type", "echo", "--max-result-bytes", "4MB"}, "--max-result-bytes");
}

TEST_CASE("flags fall back to FLEET_* environment variables", "[integration][cli]") {
    WorkerUnderTest worker("echo", {}, {"FLEET_WORKER_ID=from-env", "FLEET_TOKEN=env-token"});
    http::BlockingHttpClient client;
    CHECK(json_of(client.get(worker.url() + "/health")).at("worker_id") == "from-env");
    CHECK(client.get(worker.url() + "/api/v1/operations").status == 401);
    CHECK(client.get(worker.url() + "/api/v1/operations", "env-token").status == 200);
}

TEST_CASE("--check-health asks the local worker for /health, with no --type", "[integration][cli]") {
    WorkerUnderTest worker("echo");
    Process healthy(FLEET_WORKER_BIN, {"--check-health"}, {"FLEET_WORKER_PORT=" + std::to_string(worker.port())});
    REQUIRE(healthy.wait(std::chrono::seconds(10)) == 0);
    CHECK(healthy.output().find("\"healthy\":true") != std::string::npos);

    const auto nobody = free_loopback_port();
    Process refused(FLEET_WORKER_BIN, {"--check-health", "--port", std::to_string(nobody)});
    REQUIRE(refused.wait(std::chrono::seconds(10)) == 1);
    CHECK(refused.output().find("refused") != std::string::npos);
}
