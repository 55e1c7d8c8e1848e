// What operators read, with real binaries: the API description served by both
// programs, the backend's metrics after some operations, and JSON log lines.
#include "tests/integration/backend_fixture.hpp"

#include <boost/json/parse.hpp>

#include <cctype>
#include <fstream>
#include <iterator>
#include <sstream>

using namespace fleet;
using namespace fleet::test;

namespace {

std::string source_file(const std::string& relative) {
    std::ifstream in(std::string(FLEET_SOURCE_DIR) + "/" + relative);
    REQUIRE(in);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// The value of the series `series` (name and labels exactly) on a Prometheus page.
std::optional<double> metric(const std::string& page, const std::string& series) {
    const auto at = page.find("\n" + series + " ");
    if (at == std::string::npos) return std::nullopt;
    return std::stod(page.substr(at + series.size() + 2));
}

// The JSON log lines of `output` whose message is `message`.
std::vector<boost::json::object> json_lines(const std::string& output, const std::string& message) {
    std::vector<boost::json::object> lines;
    std::istringstream in(output);
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty() || line.front() != '{') continue;
        boost::system::error_code ec;
        auto parsed = boost::json::parse(line, ec);
        if (ec || !parsed.is_object()) continue;
        if (parsed.as_object().at("message") == boost::json::value(message)) lines.push_back(parsed.as_object());
    }
    return lines;
}

}  // namespace

TEST_CASE("both programs serve their OpenAPI document, and the backend its /docs page, without a token",
          "[integration][observability]") {
    BackendUnderTest backend({"--token", "docs-secret"});
    WorkerUnderTest worker("echo", {"--token", "docs-secret"});
    http::BlockingHttpClient client;  // no token

    const auto yaml = client.get(backend.url() + "/openapi.yaml");
    REQUIRE(yaml.status == 200);
    CHECK(yaml.body == source_file("proto_docs/openapi/backend.yaml"));
    CHECK(yaml.body.starts_with("openapi: 3"));
    const auto worker_yaml = client.get(worker.url() + "/openapi.yaml");
    REQUIRE(worker_yaml.status == 200);
    CHECK(worker_yaml.body == source_file("proto_docs/openapi/worker.yaml"));

    const auto docs = client.get(backend.url() + "/docs");
    REQUIRE(docs.status == 200);
    CHECK(docs.body.starts_with("<!doctype html>"));
    for (const char* listed : {"/api/v1/workers/{id}/drain", "/api/v1/{domain}/start", "/api/v1/workflows/{id}/recover",
                               "Drain a worker", "operation_type"})
        CHECK(docs.body.find(listed) != std::string::npos);
    // Self-contained and small: nothing to fetch, no script.
    CHECK(docs.body.find("<script") == std::string::npos);
    CHECK(docs.body.find("src=") == std::string::npos);
    CHECK(docs.body.find("<link") == std::string::npos);
    CHECK(docs.body.size() < 150 * 1024);
    CHECK(client.get(worker.url() + "/docs").status == 404);  // only the backend has the page
    CHECK(client.get(backend.url() + "/api/v1/workers").status == 401);
}

TEST_CASE("the backend's metrics count operations by domain, and both programs show process_* series",
          "[integration][observability]") {
    BackendUnderTest backend;
    BackendWorker worker(backend, "echo", "metrics-echo");
    std::vector<std::string> ids;
    // One worker, one slot: a start may be queued behind the one before (202).
    auto start = [&](const std::string& body) {
        const auto response = backend.post("/api/v1/echo/start", body);
        REQUIRE((response.status == 200 || response.status == 202));
        ids.push_back(string_of(json_of(response).at("operation_id")));
    };
    for (int i = 0; i < 3; ++i) start(R"({"duration_ms": 30})");
    start(R"({"duration_ms": 10, "fail_with": "on purpose"})");
    for (std::size_t i = 0; i < ids.size(); ++i) backend.wait_for_status(ids[i], i == 3 ? "failed" : "completed");

    std::string page;
    REQUIRE(eventually([&] {
        page = backend.get("/metrics").body;
        return metric(page, R"(fleet_operations_finished_total{domain="echo",status="failed"})") == 1.0;
    }));
    INFO(page);
    CHECK(metric(page, R"(fleet_queue_depth{domain="echo"})") == 0.0);
    CHECK(metric(page, R"(fleet_operations_dispatched_total{domain="echo"})") == 4.0);
    CHECK(metric(page, R"(fleet_operations_finished_total{domain="echo",status="completed"})") == 3.0);
    CHECK(metric(page, R"(fleet_operations_finished_total{domain="echo",status="cancelled"})") == 0.0);
    CHECK(metric(page, R"(fleet_operation_queue_wait_seconds_count{domain="echo"})") == 4.0);
    CHECK(metric(page, R"(fleet_operation_run_seconds_count{domain="echo"})") == 4.0);
    // Three ran for 30 ms or more, a little more than a second in all at most.
    CHECK(metric(page, R"(fleet_operation_run_seconds_sum{domain="echo"})") >= 0.09);
    CHECK(metric(page, R"(fleet_operation_run_seconds_bucket{domain="echo",le="0.01"})") <= 1.0);
    CHECK(metric(page, R"(fleet_operation_run_seconds_bucket{domain="echo",le="+Inf"})") == 4.0);
    CHECK(metric(page, R"(fleet_workers{status="AVAILABLE"})") == 1.0);
    CHECK(page.find("fleet_build_info{") != std::string::npos);

    // Every series the Grafana dashboard asks for is on the page.
    const auto dashboard = boost::json::parse(source_file("deploy/grafana/fleet-dashboard.json")).as_object();
    for (const auto& panel : dashboard.at("panels").as_array()) {
        for (const auto& target : panel.at("targets").as_array()) {
            const std::string expr(target.at("expr").as_string());
            for (std::size_t at = 0; (at = expr.find_first_of("fp", at)) != std::string::npos;) {
                const bool named = expr.compare(at, 6, "fleet_") == 0 || expr.compare(at, 8, "process_") == 0;
                const bool starts = at == 0 || !(std::isalnum(static_cast<unsigned char>(expr[at - 1])) || expr[at - 1] == '_');
                if (!named || !starts) {
                    ++at;
                    continue;
                }
                std::size_t end = at;
                while (end < expr.size() && (std::isalnum(static_cast<unsigned char>(expr[end])) || expr[end] == '_')) ++end;
                const std::string name = expr.substr(at, end - at);
                INFO("panel " << panel.at("title") << " asks for " << name);
                CHECK(page.find("\n" + name) != std::string::npos);
                at = end;
            }
        }
    }

    http::BlockingHttpClient client;
    for (const std::string& url : {backend.url(), worker.url()}) {
        const auto text = client.get(url + "/metrics").body;
        INFO(url << "/metrics:\n" << text);
        CHECK(metric(text, "process_cpu_seconds_total") >= 0.0);
        CHECK(metric(text, "process_resident_memory_bytes") > 1024.0 * 1024);
        CHECK(metric(text, "process_open_fds") >= 3.0);
        CHECK(metric(text, "process_start_time_seconds") > 1.6e9);
    }
}

TEST_CASE("--log-format json: one JSON object a line, with operation and worker ids as fields",
          "[integration][observability]") {
    BackendUnderTest backend({"--log-format", "json"});
    BackendWorker worker(backend, "echo", "json-echo", {"--log-format", "json"});
    const std::string id = string_of(backend.start("echo", {{"duration_ms", 10}}).at("operation_id"));
    backend.wait_for_status(id, "completed");

    std::vector<boost::json::object> dispatched, ended;
    REQUIRE(eventually([&] {
        dispatched = json_lines(backend.process().output(), "operation dispatched");
        ended = json_lines(backend.process().output(), "operation ended");
        return !dispatched.empty() && !ended.empty();
    }));
    INFO(backend.process().output());
    const auto& first = dispatched.front();
    CHECK(first.at("level") == "info");
    CHECK(first.at("time").as_string().ends_with("Z"));
    CHECK(first.at("operation_id") == boost::json::value(id));
    CHECK(first.at("domain") == "echo");
    CHECK(first.at("worker_id") == "json-echo");
    CHECK(first.at("queue_wait_ms").is_int64());
    const auto& end = ended.front();
    CHECK(end.at("operation_id") == boost::json::value(id));
    CHECK(end.at("status") == "completed");
    CHECK(end.at("run_ms").is_int64());
    CHECK(end.at("duration_ms").to_number<std::int64_t>() >= end.at("run_ms").to_number<std::int64_t>());

    // The worker's lines carry its id on every line; the listening line keeps its words for scripts.
    const std::string output = worker.process().output();
    INFO(output);
    CHECK(output.find(R"("message":"fleet-worker echo listening on port )") != std::string::npos);
    std::istringstream in(output);
    std::string line;
    std::size_t lines = 0;
    while (std::getline(in, line)) {
        if (line.empty()) continue;
        ++lines;
        boost::system::error_code ec;
        const auto parsed = boost::json::parse(line, ec);
        INFO(line);
        REQUIRE_FALSE(ec);
        if (line.find("listening on port") == std::string::npos) CHECK(parsed.at("worker_id") == "json-echo");
    }
    CHECK(lines >= 2);
}
