#include "common/http/client.hpp"
#include "tests/support/fake_server.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <catch2/catch.hpp>

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

// See common/http/client.cpp: a GCC 12 false positive on Asio coroutine frames.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;
namespace json = boost::json;
using tcp = asio::ip::tcp;
using namespace fleet;
using namespace std::chrono_literals;

namespace {

// A bare loopback server for what FakeServer cannot show: how many
// connections were opened, and peers that misbehave.
class RawServer {
public:
    enum class Mode {
        KeepAlive,           // answers every request, keeps the connection
        OneRequestThenClose, // answers one request (claiming keep-alive), then closes
        Hold,                // accepts and never reads nor answers
        CloseAtOnce,         // accepts and closes at once
        HugeBody,            // answers with a body past the client's limit
        CutOff,              // announces a body, sends half of it and closes
        AnswerOnceThenHold,  // answers one request, then reads the next and never answers
    };

    explicit RawServer(Mode mode) : mode_(mode), acceptor_(io_, {asio::ip::make_address("127.0.0.1"), 0}) {
        asio::co_spawn(io_, accept_loop(), asio::detached);
        thread_ = std::thread([this] { io_.run(); });
    }

    ~RawServer() {
        io_.stop();
        thread_.join();
    }

    std::string url(std::string_view path = "/") const {
        return "http://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port()) + std::string(path);
    }
    int accepted() const { return accepted_.load(); }

private:
    asio::awaitable<void> accept_loop() {
        for (;;) {
            auto [ec, socket] = co_await acceptor_.async_accept(asio::as_tuple(asio::use_awaitable));
            if (ec) co_return;
            ++accepted_;
            if (mode_ == Mode::CloseAtOnce) {
                boost::system::error_code ignored;
                socket.close(ignored);
            } else if (mode_ == Mode::Hold) {
                held_.push_back(std::move(socket));
            } else {
                asio::co_spawn(io_, session(std::move(socket)), asio::detached);
            }
        }
    }

    asio::awaitable<void> session(tcp::socket socket) {
        boost::beast::flat_buffer buffer;
        for (int answered = 0;; ++answered) {
            bhttp::request<bhttp::string_body> request;
            auto [read_ec, read] = co_await bhttp::async_read(socket, buffer, request, asio::as_tuple(asio::use_awaitable));
            if (read_ec) co_return;
            if (mode_ == Mode::AnswerOnceThenHold && answered > 0) {
                // Silent until the client gives up and closes.
                char byte = 0;
                co_await socket.async_read_some(asio::buffer(&byte, 1), asio::as_tuple(asio::use_awaitable));
                co_return;
            }
            if (mode_ == Mode::CutOff) {
                const std::string half = "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n" + std::string(500, 'x');
                co_await asio::async_write(socket, asio::buffer(half), asio::as_tuple(asio::use_awaitable));
                co_return;
            }
            bhttp::response<bhttp::string_body> response{bhttp::status::ok, 11};
            response.body() = mode_ == Mode::HugeBody ? std::string(9 * 1024 * 1024, 'x') : R"({"ok":true})";
            response.keep_alive(true);
            response.prepare_payload();
            auto [write_ec, written] = co_await bhttp::async_write(socket, response, asio::as_tuple(asio::use_awaitable));
            if (write_ec || mode_ == Mode::OneRequestThenClose) co_return;
        }
    }

    Mode mode_;
    asio::io_context io_;
    tcp::acceptor acceptor_;
    std::vector<tcp::socket> held_;
    std::atomic<int> accepted_{0};
    std::thread thread_;
};

http::HttpResponse echo(const http::HttpRequest& request) {
    json::object body{{"method", http::to_string(request.method)},
                      {"path", request.path},
                      {"query", request.query},
                      {"body", request.body}};
    return http::HttpResponse::json(request.method == http::Method::Post ? 201 : 200, body);
}

json::object parse_object(const std::string& text) { return json::parse(text).as_object(); }

// An HttpClient on an io_context run by a thread of the test.
struct ClientOnThread {
    asio::io_context io;
    asio::executor_work_guard<asio::io_context::executor_type> work{io.get_executor()};
    http::HttpClient client{io};
    std::thread thread{[this] { io.run(); }};

    ~ClientOnThread() {
        work.reset();
        io.stop();
        thread.join();
    }
};

}  // namespace

TEST_CASE("HttpClient does GET, POST and DELETE round trips", "[http_client]") {
    test::FakeServer server(echo);
    http::BlockingHttpClient client;

    auto got = client.get(server.url() + "/api/v1/things?limit=5");
    REQUIRE(got.ok());
    CHECK(got.status == 200);
    auto body = parse_object(got.body);
    CHECK(body.at("method") == "GET");
    CHECK(body.at("path") == "/api/v1/things");
    CHECK(body.at("query") == "limit=5");

    auto posted = client.post(server.url() + "/api/v1/things", R"({"name":"x"})");
    REQUIRE(posted.ok());
    CHECK(posted.status == 201);
    body = parse_object(posted.body);
    CHECK(body.at("method") == "POST");
    CHECK(body.at("body") == R"({"name":"x"})");

    auto deleted = client.del(server.url() + "/api/v1/things/7");
    REQUIRE(deleted.ok());
    CHECK(parse_object(deleted.body).at("method") == "DELETE");
    CHECK(parse_object(deleted.body).at("path") == "/api/v1/things/7");
}

TEST_CASE("HttpClient sends the bearer token only when set", "[http_client]") {
    test::FakeServer server;
    http::BlockingHttpClient client;

    REQUIRE(client.get(server.url() + "/with", "s3cret").ok());
    REQUIRE(client.get(server.url() + "/without").ok());

    auto requests = server.requests();
    REQUIRE(requests.size() == 2);
    CHECK(requests[0].authorization == "Bearer s3cret");
    CHECK(requests[1].authorization.empty());
}

TEST_CASE("HttpClient returns error statuses as answers, not failures", "[http_client]") {
    test::FakeServer server([](const http::HttpRequest&) {
        return http::HttpResponse::json(503, json::object{{"success", false}, {"error", "busy"}});
    });
    http::BlockingHttpClient client;

    auto response = client.get(server.url() + "/x");
    REQUIRE(response.ok());
    CHECK(response.status == 503);
    CHECK(parse_object(response.body).at("error") == "busy");
}

TEST_CASE("HttpClient keeps connections alive and reuses them", "[http_client]") {
    RawServer server(RawServer::Mode::KeepAlive);
    http::BlockingHttpClient client;

    for (int i = 0; i < 20; ++i) {
        auto response = client.get(server.url("/n"));
        REQUIRE(response.ok());
        CHECK(response.status == 200);
    }
    CHECK(server.accepted() == 1);
}

TEST_CASE("HttpClient does many sequential requests against the real server", "[http_client]") {
    test::FakeServer server;
    http::BlockingHttpClient client;
    for (int i = 0; i < 50; ++i) REQUIRE(client.post(server.url() + "/n", R"({"i":1})").status == 200);
    CHECK(server.requests().size() == 50);
}

TEST_CASE("HttpClient replaces pooled connections the peer closed", "[http_client]") {
    RawServer server(RawServer::Mode::OneRequestThenClose);
    http::BlockingHttpClient client;

    for (int i = 0; i < 5; ++i) {
        auto response = client.get(server.url("/n"));
        INFO(response.error_message);
        REQUIRE(response.ok());
        CHECK(response.status == 200);
    }
    CHECK(server.accepted() == 5);
}

TEST_CASE("HttpClient reports a refused connection", "[http_client]") {
    std::string url;
    {
        asio::io_context io;
        tcp::acceptor acceptor(io, {asio::ip::make_address("127.0.0.1"), 0});
        url = "http://127.0.0.1:" + std::to_string(acceptor.local_endpoint().port()) + "/health";
    }
    http::BlockingHttpClient client;

    auto response = client.get(url);
    CHECK(response.error == http::ClientError::Refused);
    CHECK(response.status == 0);
}

TEST_CASE("HttpClient gives up at the deadline on a silent peer", "[http_client]") {
    RawServer server(RawServer::Mode::Hold);
    http::BlockingHttpClient client;

    const auto started = std::chrono::steady_clock::now();
    auto response = client.send(http::ClientRequest{http::Method::Get, server.url("/health"), {}, {}, 300ms});
    const auto elapsed = std::chrono::steady_clock::now() - started;

    CHECK(response.error == http::ClientError::Timeout);
    CHECK(elapsed >= 290ms);
    CHECK(elapsed < 3s);
}

TEST_CASE("HttpClient keeps each exchange's deadline on a reused connection", "[http_client]") {
    // A later deadline than the one the connection's timer waits for, and an earlier one.
    for (const auto& [first, second] : {std::pair{100ms, 500ms}, std::pair{2000ms, 300ms}}) {
        RawServer server(RawServer::Mode::AnswerOnceThenHold);
        http::BlockingHttpClient client;
        REQUIRE(client.send(http::ClientRequest{http::Method::Get, server.url("/a"), {}, {}, first}).status == 200);

        const auto started = std::chrono::steady_clock::now();
        auto response = client.send(http::ClientRequest{http::Method::Get, server.url("/b"), {}, {}, second});
        const auto elapsed = std::chrono::steady_clock::now() - started;

        CHECK(server.accepted() == 1);
        CHECK(response.error == http::ClientError::Timeout);
        CHECK(elapsed >= second - 10ms);
        CHECK(elapsed < second + 2s);
    }
}

TEST_CASE("HttpClient reports a peer that closes the connection", "[http_client]") {
    RawServer server(RawServer::Mode::CloseAtOnce);
    http::BlockingHttpClient client;

    auto response = client.get(server.url("/health"));
    INFO(response.error_message);
    CHECK(response.error == http::ClientError::Closed);
}

TEST_CASE("HttpClient refuses bodies past its limit", "[http_client]") {
    RawServer server(RawServer::Mode::HugeBody);
    http::BlockingHttpClient client;

    auto response = client.get(server.url("/big"));
    CHECK(response.error == http::ClientError::TooLarge);
    CHECK(response.error_message == "answer of 9 MiB exceeds the 8 MiB limit");

    // The limit is the request's: a larger one takes the same answer.
    http::ClientRequest request{http::Method::Get, server.url("/big")};
    request.body_limit = 16 * 1024 * 1024;
    response = client.send(request);
    INFO(response.error_message);
    CHECK(response.ok());
    CHECK(response.body.size() == 9 * 1024 * 1024);
}

TEST_CASE("HttpClient tells an answer cut off from a peer that never answered", "[http_client]") {
    RawServer server(RawServer::Mode::CutOff);
    http::BlockingHttpClient client;

    auto response = client.get(server.url("/half"));
    INFO(response.error_message);
    CHECK(response.error == http::ClientError::Truncated);
}

TEST_CASE("HttpClient rejects URLs it cannot use", "[http_client]") {
    http::BlockingHttpClient client;
    for (const char* url : {"", "not a url", "ftp://host/x", "http:///path", "https://host:99999/"}) {
        INFO(url);
        CHECK(client.get(url).error == http::ClientError::InvalidUrl);
    }
    // https:// is a URL it uses: nobody listens on port 1.
    CHECK(client.get("https://127.0.0.1:1/").error == http::ClientError::Refused);
}

TEST_CASE("HttpClient reports names that do not resolve", "[http_client]") {
    http::BlockingHttpClient client;
    auto response = client.send(http::ClientRequest{http::Method::Get, "http://fleet-no-such-host.invalid/", {}, {}, 3s});
    INFO(response.error_message);
    // Without any DNS server in reach the lookup may instead run into the deadline.
    CHECK((response.error == http::ClientError::Resolve || response.error == http::ClientError::Timeout));
}

TEST_CASE("HttpClient completes 200 concurrent requests sent from several threads", "[http_client]") {
    test::FakeServer server(echo);
    ClientOnThread runner;

    constexpr int kThreads = 4;
    constexpr int kPerThread = 50;
    std::mutex mutex;
    std::condition_variable all_done;
    int done = 0;
    int succeeded = 0;
    std::atomic<int> on_io_thread{0};

    std::vector<std::thread> senders;
    for (int t = 0; t < kThreads; ++t) {
        senders.emplace_back([&, t] {
            for (int i = 0; i < kPerThread; ++i) {
                http::ClientRequest request{http::Method::Post, server.url() + "/n", "{\"i\":" + std::to_string(t * 1000 + i) + "}"};
                runner.client.send(std::move(request), [&](http::ClientResponse response) {
                    if (std::this_thread::get_id() == runner.thread.get_id()) ++on_io_thread;
                    std::lock_guard lock(mutex);
                    ++done;
                    if (response.ok() && response.status == 201) ++succeeded;
                    all_done.notify_all();
                });
            }
        });
    }
    for (auto& sender : senders) sender.join();

    std::unique_lock lock(mutex);
    REQUIRE(all_done.wait_for(lock, 20s, [&] { return done == kThreads * kPerThread; }));
    CHECK(succeeded == kThreads * kPerThread);
    CHECK(on_io_thread.load() == kThreads * kPerThread);
    CHECK(server.requests().size() == kThreads * kPerThread);
}

TEST_CASE("ClientError has a name for every value", "[http_client]") {
    CHECK(http::to_string(http::ClientError::None) == "none");
    CHECK(http::to_string(http::ClientError::Refused) == "refused");
    CHECK(http::to_string(http::ClientError::Closed) == "closed");
    CHECK(http::to_string(http::ClientError::Timeout) == "timeout");
    CHECK(http::to_string(http::ClientError::Resolve) == "resolve");
    CHECK(http::to_string(http::ClientError::InvalidUrl) == "invalid_url");
    CHECK(http::to_string(http::ClientError::TooLarge) == "too_large");
    CHECK(http::to_string(http::ClientError::Truncated) == "truncated");
    CHECK(http::to_string(http::ClientError::Other) == "other");
}
