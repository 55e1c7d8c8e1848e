// HttpClient::stream against a bare loopback server that writes its answer in
// pieces the test releases one at a time, so "read as it comes" is shown, not assumed.
#include "common/http/client.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <catch2/catch.hpp>

#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using namespace fleet;
using namespace std::chrono_literals;

namespace {

// Accepts one connection, reads the request head, then writes what the test
// hands it with send(), and closes when the test calls close() (or at the end).
class PieceServer {
public:
    PieceServer() : acceptor_(io_, {asio::ip::make_address("127.0.0.1"), 0}) {
        thread_ = std::thread([this] { serve(); });
    }
    ~PieceServer() {
        close();
        thread_.join();
    }

    std::string url() const { return "http://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port()); }

    void send(std::string text) {
        std::lock_guard lock(mutex_);
        queue_.push_back(std::move(text));
        changed_.notify_all();
    }
    void close() {
        std::lock_guard lock(mutex_);
        closing_ = true;
        changed_.notify_all();
    }
    std::string request_head() {
        std::unique_lock lock(mutex_);
        changed_.wait_for(lock, 5s, [&] { return !head_.empty(); });
        return head_;
    }

private:
    void serve() {
        boost::system::error_code ec;
        tcp::socket socket(io_);
        acceptor_.accept(socket, ec);
        if (ec) return;
        asio::streambuf buffer;
        asio::read_until(socket, buffer, "\r\n\r\n", ec);
        {
            std::lock_guard lock(mutex_);
            head_.assign(asio::buffers_begin(buffer.data()), asio::buffers_end(buffer.data()));
            changed_.notify_all();
        }
        for (;;) {
            std::unique_lock lock(mutex_);
            changed_.wait(lock, [&] { return !queue_.empty() || closing_; });
            if (queue_.empty()) break;
            auto text = std::move(queue_.front());
            queue_.erase(queue_.begin());
            lock.unlock();
            asio::write(socket, asio::buffer(text), ec);
            if (ec) break;
        }
        socket.close(ec);
    }

    asio::io_context io_;
    tcp::acceptor acceptor_;
    std::thread thread_;
    std::mutex mutex_;
    std::condition_variable changed_;
    std::vector<std::string> queue_;
    std::string head_;
    bool closing_ = false;
};

// What on_chunk saw, with a way to wait for it from the test's thread.
struct Received {
    std::mutex mutex;
    std::condition_variable changed;
    std::string text;

    bool add(std::string_view piece) {
        std::lock_guard lock(mutex);
        text.append(piece);
        changed.notify_all();
        return true;
    }
    bool wait_for(const std::string& expected) {
        std::unique_lock lock(mutex);
        return changed.wait_for(lock, 5s, [&] { return text == expected; });
    }
};

}  // namespace

TEST_CASE("HttpClient::stream hands each piece over as it arrives, until the peer closes", "[http_client][stream]") {
    PieceServer server;
    Received received;
    http::BlockingHttpClient client;
    http::ClientResponse response;
    std::thread reader([&] {
        http::ClientRequest request{http::Method::Get, server.url() + "/api/v1/events", {}, "secret"};
        request.headers.emplace_back("Last-Event-ID", "41");
        response = client.stream(std::move(request), [&](std::string_view piece) { return received.add(piece); });
    });
    server.send("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n");
    server.send("retry: 2000\n\n");
    // The second piece is only written once the first has been seen: nothing waits for the end.
    CHECK(received.wait_for("retry: 2000\n\n"));
    server.send("id: 42\ndata: {}\n\n");
    CHECK(received.wait_for("retry: 2000\n\nid: 42\ndata: {}\n\n"));
    server.close();
    reader.join();
    INFO(response.error_message);
    CHECK(response.ok());
    CHECK(response.status == 200);
    CHECK(response.body.empty());
    const auto head = server.request_head();
    CHECK(head.find("Authorization: Bearer secret\r\n") != std::string::npos);
    CHECK(head.find("Last-Event-ID: 41\r\n") != std::string::npos);
}

TEST_CASE("HttpClient::stream decodes a chunked answer piece by piece", "[http_client][stream]") {
    PieceServer server;
    Received received;
    http::BlockingHttpClient client;
    http::ClientResponse response;
    std::thread reader([&] {
        response = client.stream({http::Method::Get, server.url() + "/log"},
                                  [&](std::string_view piece) { return received.add(piece); });
    });
    server.send("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n");
    CHECK(received.wait_for("hello"));
    server.send("6\r\n world\r\n0\r\n\r\n");
    reader.join();
    CHECK(response.ok());
    CHECK(received.text == "hello world");
}

TEST_CASE("HttpClient::stream stops when on_chunk says so, though the peer goes on", "[http_client][stream]") {
    PieceServer server;
    server.send("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nfirst");
    http::BlockingHttpClient client;
    int calls = 0;
    const auto response = client.stream({http::Method::Get, server.url() + "/"}, [&](std::string_view) {
        ++calls;
        return false;
    });
    CHECK(response.ok());
    CHECK(response.status == 200);
    CHECK(calls == 1);
}

TEST_CASE("HttpClient::stream collects an error answer's body instead of streaming it", "[http_client][stream]") {
    PieceServer server;
    server.send("HTTP/1.1 404 Not Found\r\nContent-Length: 17\r\n\r\n{\"success\":false}");
    http::BlockingHttpClient client;
    int calls = 0;
    const auto response = client.stream({http::Method::Get, server.url() + "/"}, [&](std::string_view) {
        ++calls;
        return true;
    });
    CHECK(response.ok());
    CHECK(response.status == 404);
    CHECK(response.body == "{\"success\":false}");
    CHECK(calls == 0);
}

TEST_CASE("HttpClient::stream reports a silence past the timeout and a refused connection", "[http_client][stream]") {
    {
        PieceServer server;
        server.send("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nsome");
        http::BlockingHttpClient client;
        http::ClientRequest request{http::Method::Get, server.url() + "/"};
        request.timeout = 200ms;
        std::string seen;
        const auto response = client.stream(std::move(request), [&](std::string_view piece) {
            seen.append(piece);
            return true;
        });
        CHECK(seen == "some");
        CHECK(response.status == 200);
        CHECK(response.error == http::ClientError::Timeout);
    }
    {
        // A port that was free a moment ago: nobody listens there now.
        asio::io_context io;
        tcp::acceptor probe(io, {asio::ip::make_address("127.0.0.1"), 0});
        const std::string url = "http://127.0.0.1:" + std::to_string(probe.local_endpoint().port());
        probe.close();
        http::BlockingHttpClient client;
        const auto response = client.stream({http::Method::Get, url + "/"}, [](std::string_view) { return true; });
        CHECK_FALSE(response.ok());
    }
}
