#include "tests/integration/worker_fixture.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <thread>
#include <vector>

using namespace fleet;
using namespace fleet::test;

namespace {

std::string error_of(const http::ClientResponse& response) {
    auto body = json_of(response);
    CHECK(body.at("success") == false);
    return std::string(body.at("error").as_string());
}

void still_healthy(http::BlockingHttpClient& client, const WorkerUnderTest& worker) {
    auto health = json_of(client.get(worker.url() + "/health"));
    CHECK(health.at("healthy") == true);
}

// A raw TCP client: sends `request` bytes, then reads until the server
// closes (or 10 s pass), and returns what it answered.
std::string raw_exchange(std::uint16_t port, const std::string& request) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd >= 0);
    timeval timeout{10, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    REQUIRE(::send(fd, request.data(), request.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(request.size()));
    std::string answer;
    char buffer[4096];
    for (;;) {
        const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
        if (n <= 0) break;
        answer.append(buffer, static_cast<std::size_t>(n));
    }
    ::close(fd);
    return answer;
}

// raw_exchange until the answer starts with `prefix` (2 s at most); the last answer.
std::string answer_starting(std::uint16_t port, const std::string& request, const std::string& prefix) {
    std::string answer;
    for (int attempt = 0; attempt < 100; ++attempt) {
        answer = raw_exchange(port, request);
        if (answer.rfind(prefix, 0) == 0) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return answer;
}

}  // namespace

TEST_CASE("malformed JSON, wrong types and unknown domains get a 4xx naming the problem",
          "[integration][worker][bad-input]") {
    WorkerUnderTest worker("backtest");
    http::BlockingHttpClient client;
    const auto start = worker.url() + "/backtests/start";

    auto malformed = client.post(start, R"({"symbol": "AAPL",)");
    CHECK(malformed.status == 400);
    CHECK(error_of(malformed).find("malformed JSON") != std::string::npos);

    auto not_object = client.post(start, "[1,2,3]");
    CHECK(not_object.status == 400);

    auto wrong_type = client.post(start, to_body({{"symbol", 42}, {"timeframe", "1h"}, {"data_file", sample("AAPL_1h.csv")}}));
    CHECK(wrong_type.status == 400);
    CHECK(error_of(wrong_type).find("'symbol'") != std::string::npos);

    auto bad_fast = client.post(start, to_body({{"symbol", "AAPL"}, {"timeframe", "1h"},
                                                {"data_file", sample("AAPL_1h.csv")}, {"fast", "ten"}}));
    CHECK(bad_fast.status == 400);
    CHECK(error_of(bad_fast).find("'fast'") != std::string::npos);

    auto missing_file = client.post(start, to_body({{"symbol", "AAPL"}, {"timeframe", "1h"},
                                                    {"data_file", "/nonexistent/file.csv"}}));
    CHECK(missing_file.status == 400);
    CHECK(error_of(missing_file).find("'data_file'") != std::string::npos);

    auto bad_task = client.post(start, to_body({{"task_id", "../../etc"}, {"symbol", "AAPL"}, {"timeframe", "1h"},
                                                {"data_file", sample("AAPL_1h.csv")}}));
    CHECK(bad_task.status == 400);

    auto other_domain = client.post(worker.url() + "/data-processing/start", "{}");
    CHECK(other_domain.status == 404);
    CHECK(error_of(other_domain).find("no route") != std::string::npos);

    auto wrong_method = client.get(start);
    CHECK(wrong_method.status == 405);

    // Nothing was started by any of it.
    auto list = json_of(client.get(worker.url() + "/api/v1/operations"));
    CHECK(list.at("data").as_object().at("total") == 0);
    still_healthy(client, worker);
}

TEST_CASE("bad ids and query parameters are refused", "[integration][worker][bad-input]") {
    WorkerUnderTest worker("echo");
    http::BlockingHttpClient client;
    CHECK(client.get(worker.url() + "/api/v1/operations/bad%20id").status == 400);
    CHECK(client.get(worker.url() + "/api/v1/operations/" + std::string(200, 'a')).status == 400);
    CHECK(client.get(worker.url() + "/api/v1/operations/unknown_op").status == 404);
    CHECK(client.get(worker.url() + "/api/v1/operations?status=sleeping").status == 400);
    CHECK(client.get(worker.url() + "/api/v1/operations?status=queued").status == 400);  // a backend-only word
    CHECK(client.get(worker.url() + "/api/v1/operations?limit=-1").status == 400);
    CHECK(client.get(worker.url() + "/api/v1/operations?limit=abc").status == 400);
    const auto unknown_field = client.get(worker.url() + "/api/v1/operations?fields=operation_id,colour");
    CHECK(unknown_field.status == 400);
    CHECK(unknown_field.body.find("'colour'") != std::string::npos);
    CHECK(client.get(worker.url() + "/api/v1/operations?fields=status,").status == 400);
    CHECK(client.get(worker.url() + "/api/v1/operations/x/metrics?cursor=zz").status == 400);
    CHECK(client.post(worker.url() + "/echo/start", R"({"duration_ms": -5})").status == 400);
    CHECK(client.post(worker.url() + "/echo/start", R"({"steps": "many"})").status == 400);
    still_healthy(client, worker);
}

TEST_CASE("a body over 1 MiB is refused with 413 and the worker stays healthy", "[integration][worker][bad-input]") {
    WorkerUnderTest worker("echo");
    http::BlockingHttpClient client;
    const std::string huge = R"({"pad": ")" + std::string(1024 * 1024 + 10, 'x') + R"("})";
    auto answer = client.post(worker.url() + "/echo/start", huge);
    if (answer.ok()) {
        CHECK(answer.status == 413);
        CHECK(error_of(answer).find("exceeds") != std::string::npos);
    } else {
        // The server may close before the client finished sending; it must not accept it.
        CHECK(answer.error == http::ClientError::Closed);
    }
    auto list = json_of(client.get(worker.url() + "/api/v1/operations"));
    CHECK(list.at("data").as_object().at("total") == 0);
    still_healthy(client, worker);
}

TEST_CASE("a slow client that never finishes its request is cut off with 408", "[integration][worker][bad-input]") {
    WorkerUnderTest worker("echo", {"--read-timeout", "300ms"});
    const std::string answer = raw_exchange(worker.port(), "POST /echo/start HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"a\"");
    CHECK(answer.rfind("HTTP/1.1 408", 0) == 0);
    http::BlockingHttpClient client;
    still_healthy(client, worker);
}

TEST_CASE("garbage instead of HTTP gets 400 and a closed connection", "[integration][worker][bad-input]") {
    WorkerUnderTest worker("echo");
    const std::string answer = raw_exchange(worker.port(), "HELLO THERE\r\n\r\n");
    CHECK(answer.rfind("HTTP/1.1 400", 0) == 0);
    const std::string huge_header = raw_exchange(
        worker.port(), "GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(64 * 1024, 'a') + "\r\n\r\n");
    CHECK(huge_header.rfind("HTTP/1.1 431", 0) == 0);
    http::BlockingHttpClient client;
    still_healthy(client, worker);
}

TEST_CASE("past --max-connections a new connection gets 503 with Retry-After and is closed; freed slots serve again",
          "[integration][worker][bad-input]") {
    WorkerUnderTest worker("echo", {"--max-connections", "16"});
    http::BlockingHttpClient client;
    still_healthy(client, worker);  // its kept-alive connection is one of the 16
    std::vector<int> idle;
    const auto open_idle = [&] {
        const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
        REQUIRE(fd >= 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_port = htons(worker.port());
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
        idle.push_back(fd);
    };
    for (int i = 0; i < 15; ++i) open_idle();
    // The server counts a connection once it has accepted it: wait until all 15 are.
    const std::string answer = answer_starting(worker.port(), "GET /health HTTP/1.1\r\nHost: x\r\n\r\n", "HTTP/1.1 503");
    REQUIRE(answer.rfind("HTTP/1.1 503", 0) == 0);
    CHECK(answer.find("Retry-After: 1\r\n") != std::string::npos);
    CHECK(answer.find("\"too many open connections (at most 16); retry later\"") != std::string::npos);
    still_healthy(client, worker);  // a kept-alive connection keeps its slot

    for (int fd : idle) ::close(fd);
    const std::string after = answer_starting(
        worker.port(), "GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", "HTTP/1.1 200");
    CHECK(after.rfind("HTTP/1.1 200", 0) == 0);
}

TEST_CASE("keep-alive serves many requests on one connection", "[integration][worker]") {
    WorkerUnderTest worker("echo");
    std::string pipelined;
    for (int i = 0; i < 5; ++i) pipelined += "GET /health HTTP/1.1\r\nHost: x\r\n\r\n";
    pipelined += "GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    const std::string answer = raw_exchange(worker.port(), pipelined);
    std::size_t count = 0;
    for (auto at = answer.find("HTTP/1.1 200"); at != std::string::npos; at = answer.find("HTTP/1.1 200", at + 1)) ++count;
    CHECK(count == 6);
}
