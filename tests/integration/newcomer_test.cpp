// What someone following the README for the first time runs into, on both
// programs: --version, stray arguments, a port already taken, HEAD /health,
// a malformed URL or TLS file, --help, and numbers as JSON readers expect them.
#include "tests/integration/backend_fixture.hpp"

#include <algorithm>
#include <regex>
#include <sstream>

using namespace fleet;
using namespace fleet::test;

namespace {

const std::vector<std::string> kPrograms{FLEET_WORKER_BIN, FLEET_BACKEND_BIN};

// Runs a program to its end; returns its exit code and everything it wrote.
std::pair<int, std::string> run(const std::string& program, const std::vector<std::string>& args) {
    Process process(program, args);
    const auto code = process.wait(std::chrono::seconds(10));
    INFO(process.output());
    REQUIRE(code.has_value());
    return {*code, process.output()};
}

std::size_t count_lines(const std::string& text) { return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')); }

}  // namespace

TEST_CASE("--version names the program, the version and the commit", "[integration][cli]") {
    for (const auto& program : kPrograms) {
        const auto [code, output] = run(program, {"--version"});
        CHECK(code == 0);
        INFO(output);
        CHECK(std::regex_match(output, std::regex(R"(fleet-(worker|backend) \d+\.\d+\.\d+ \(commit ([0-9a-f]{7,40}|unknown)\)\n)")));
    }
}

TEST_CASE("a stray positional argument is refused with exit 2, naming it", "[integration][cli]") {
    const auto [worker_code, worker_output] = run(FLEET_WORKER_BIN, {"--type", "echo", "5005"});
    CHECK(worker_code == 2);
    CHECK(worker_output.find("unexpected argument '5005'") != std::string::npos);

    const auto [backend_code, backend_output] = run(FLEET_BACKEND_BIN, {"--db", ":memory:", "fleet.db"});
    CHECK(backend_code == 2);
    CHECK(backend_output.find("unexpected argument 'fleet.db'") != std::string::npos);
}

TEST_CASE("a malformed URL or a missing TLS file stops the worker at start", "[integration][cli]") {
    const auto [bad_code, bad_output] = run(FLEET_WORKER_BIN, {"--type", "echo", "--backend-url", "http://"});
    CHECK(bad_code == 2);
    CHECK(bad_output.find("--backend-url must be an http:// or https:// URL") != std::string::npos);

    const auto [advertise_code, advertise_output] =
        run(FLEET_WORKER_BIN, {"--type", "echo", "--advertise-url", "ftp://me:5005"});
    CHECK(advertise_code == 2);
    CHECK(advertise_output.find("--advertise-url") != std::string::npos);

    const auto [tls_code, tls_output] = run(
        FLEET_WORKER_BIN, {"--type", "echo", "--tls-cert", "/nonexistent/node.pem", "--tls-key", "/nonexistent/node.key"});
    CHECK(tls_code == 2);
    CHECK(tls_output.find("cannot read certificate file '/nonexistent/node.pem'") != std::string::npos);
    CHECK(tls_output.find("listening") == std::string::npos);

    const auto [backend_code, backend_output] =
        run(FLEET_BACKEND_BIN, {"--db", ":memory:", "--tls-cert", "/nonexistent/node.pem"});
    CHECK(backend_code == 2);
    CHECK(backend_output.find("--tls-cert needs --tls-key") != std::string::npos);
}

TEST_CASE("a port already in use is one readable line with host:port, exit 1", "[integration][cli]") {
    WorkerUnderTest taken("echo");
    const std::string port = std::to_string(taken.port());
    const std::string expected = "cannot listen on 127.0.0.1:" + port + ": Address already in use";

    const auto [worker_code, worker_output] =
        run(FLEET_WORKER_BIN, {"--type", "echo", "--host", "127.0.0.1", "--port", port});
    CHECK(worker_code == 1);
    CHECK(worker_output.find("fleet-worker failed: " + expected) != std::string::npos);
    CHECK(count_lines(worker_output) == 1);
    CHECK(worker_output.find(".hpp") == std::string::npos);  // no Boost source location

    const auto [backend_code, backend_output] =
        run(FLEET_BACKEND_BIN, {"--db", ":memory:", "--host", "127.0.0.1", "--port", port});
    CHECK(backend_code == 1);
    CHECK(backend_output.find("fleet-backend failed: " + expected) != std::string::npos);
    CHECK(backend_output.find(".hpp") == std::string::npos);
}

TEST_CASE("--help keeps every environment variable's name on one line", "[integration][cli]") {
    for (const auto& program : kPrograms) {
        const auto [code, output] = run(program, {"--help"});
        CHECK(code == 0);
        CHECK(output.find("--version") != std::string::npos);
        // A name cut at the line's end would leave "[FLEET_..." without its "]".
        std::istringstream lines(output);
        for (std::string line; std::getline(lines, line);) {
            INFO(line);
            const auto open = line.rfind("[FLEET_");
            if (open != std::string::npos) CHECK(line.find(']', open) != std::string::npos);
        }
    }
    const auto [code, output] = run(FLEET_WORKER_BIN, {"--help"});
    CHECK(output.find("[FLEET_WORKER_MAX_CONCURRENT]") != std::string::npos);
}

TEST_CASE("HEAD /health answers 200 without a body on both programs, token or not", "[integration][cli]") {
    BackendUnderTest backend({"--token", "secret"});
    WorkerUnderTest worker("echo", {"--token", "secret"});
    http::BlockingHttpClient client;
    for (const auto& url : {backend.url(), worker.url()}) {
        INFO(url);
        const auto head = client.send({http::Method::Head, url + "/health"});
        REQUIRE(head.ok());
        CHECK(head.status == 200);
        CHECK(head.body.empty());
        // The connection is still in step: the next answer is whole.
        const auto get = client.get(url + "/health");
        CHECK(get.status == 200);
        CHECK(boost::json::parse(get.body).at("healthy") == true);
        CHECK(client.send({http::Method::Head, url + "/metrics"}).status == 200);
        CHECK(client.send({http::Method::Head, url + "/api/v1/operations"}).status == 401);
    }
}

TEST_CASE("/health and /metrics say which version runs", "[integration][cli]") {
    BackendUnderTest backend;
    WorkerUnderTest worker("data_processing");
    http::BlockingHttpClient client;

    const auto [code, version_line] = run(FLEET_BACKEND_BIN, {"--version"});
    const std::string version = version_line.substr(14, version_line.find(" (") - 14);  // after "fleet-backend "
    const std::string commit = version_line.substr(version_line.find("commit ") + 7,
                                                   version_line.find(')') - version_line.find("commit ") - 7);
    const std::string build_info = "fleet_build_info{version=\"" + version + "\",commit=\"" + commit + "\"} 1\n";

    for (const auto& url : {backend.url(), worker.url()}) {
        INFO(url);
        CHECK(json_of(client.get(url + "/health")).at("version") == boost::json::value(version));
        const auto metrics = client.get(url + "/metrics");
        CHECK(metrics.body.find(build_info) != std::string::npos);
        CHECK(metrics.body.find("# TYPE fleet_build_info gauge\n") != std::string::npos);
    }
    CHECK(json_of(client.get(worker.url() + "/health")).at("service") == "data-processing-worker");
}

TEST_CASE("numbers leave both programs as shortest decimals, never 1E2", "[integration][cli]") {
    BackendUnderTest backend;
    BackendWorker worker(backend, "echo", "echo-numbers");
    const auto answer = backend.post("/api/v1/echo/start",
                                     R"({"duration_ms": 0, "values": [100.0, 0.7299449454988162, 2.5e-7]})");
    REQUIRE(answer.status == 200);
    const std::string id(boost::json::parse(answer.body).at("operation_id").as_string());
    backend.wait_for_status(id, "completed");

    http::BlockingHttpClient client;
    for (const auto& url : {backend.url(), worker.url()}) {
        INFO(url);
        const auto body = client.get(url + "/api/v1/operations/" + id).body;
        INFO(body);
        CHECK(body.find(R"("values":[100,0.7299449454988162,2.5e-07])") != std::string::npos);
        CHECK(body.find(R"("percentage":100)") != std::string::npos);
        CHECK(body.find("E-") == std::string::npos);
        CHECK(body.find("E2") == std::string::npos);
    }
}

TEST_CASE("a registration that fails is a WARN from the first retry on", "[integration][cli]") {
    const std::string nobody = "http://127.0.0.1:" + std::to_string(free_loopback_port());
    WorkerUnderTest worker("echo", {"--backend-url", nobody});
    const std::string line = worker.process().wait_for_line("registration failed");
    CHECK(line.find(" WARN registrar: registration failed") != std::string::npos);
    CHECK(line.find("attempt 1,") != std::string::npos);
}
