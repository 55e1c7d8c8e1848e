// fleetctl's --watch against a scripted backend on loopback: the state GET,
// the event stream, a dropped stream resumed with Last-Event-ID, a gap, and
// the fallback to polling when the backend has no event stream.
#include "tools/fleetctl/backend_client.hpp"
#include "tools/fleetctl/watch.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <catch2/catch.hpp>

#include <atomic>
#include <functional>
#include <mutex>
#include <sstream>
#include <thread>
#include <vector>

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using namespace fleet::ctl;

namespace {

// A backend in miniature: each connection is one request; `answer` writes the
// whole exchange (head and body) for a request head and may keep it open.
class ScriptedBackend {
public:
    using Answer = std::function<void(const std::string& head, tcp::socket& socket)>;

    explicit ScriptedBackend(Answer answer)
        : answer_(std::move(answer)), acceptor_(io_, {asio::ip::make_address("127.0.0.1"), 0}) {
        thread_ = std::thread([this] { serve(); });
    }
    ~ScriptedBackend() {
        stopping_ = true;
        boost::system::error_code ec;
        // Wakes the blocking accept with a connection of our own.
        tcp::socket poke(io_);
        poke.connect(acceptor_.local_endpoint(), ec);
        thread_.join();
        for (auto& t : connections_) t.join();
    }

    std::string url() const { return "http://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port()); }

    std::vector<std::string> heads() {
        std::lock_guard lock(mutex_);
        return heads_;
    }

private:
    void serve() {
        while (!stopping_) {
            auto socket = std::make_shared<tcp::socket>(io_);
            boost::system::error_code ec;
            acceptor_.accept(*socket, ec);
            if (ec || stopping_) return;
            connections_.emplace_back([this, socket] {
                asio::streambuf buffer;
                boost::system::error_code read_error;
                asio::read_until(*socket, buffer, "\r\n\r\n", read_error);
                if (read_error) return;
                std::string head(asio::buffers_begin(buffer.data()), asio::buffers_end(buffer.data()));
                {
                    std::lock_guard lock(mutex_);
                    heads_.push_back(head);
                }
                answer_(head, *socket);
                boost::system::error_code ignored;
                socket->shutdown(tcp::socket::shutdown_both, ignored);
                socket->close(ignored);
            });
        }
    }

    Answer answer_;
    asio::io_context io_;
    tcp::acceptor acceptor_;
    std::thread thread_;
    std::vector<std::thread> connections_;
    std::mutex mutex_;
    std::vector<std::string> heads_;
    std::atomic<bool> stopping_{false};
};

void write_json(tcp::socket& socket, int status, const std::string& body) {
    const std::string text = "HTTP/1.1 " + std::to_string(status) + " X\r\nContent-Type: application/json\r\nContent-Length: " +
                             std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
    boost::system::error_code ec;
    asio::write(socket, asio::buffer(text), ec);
}

void write_events(tcp::socket& socket, const std::string& events) {
    const std::string text = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n"
                             "retry: 2000\n: connected\n\n" + events;
    boost::system::error_code ec;
    asio::write(socket, asio::buffer(text), ec);
}

std::string operation(const std::string& status, int percentage) {
    return R"({"success":true,"data":{"operation_id":"op_1","status":")" + status +
           R"(","progress":{"percentage":)" + std::to_string(percentage) + R"(,"current_step":"step"}}})";
}

struct Watching {
    BackendClient backend;
    Invocation invocation;
    std::ostringstream out, err;
    Context ctx{invocation, backend, out, err};
    explicit Watching(const std::string& url) : backend(url, "tok") {}
};

}  // namespace

TEST_CASE("fleetctl watch follows the event stream and resumes a dropped one with Last-Event-ID", "[fleetctl][watch]") {
    std::atomic<int> streams{0};
    std::atomic<bool> finished{false};
    ScriptedBackend server([&](const std::string& head, tcp::socket& socket) {
        if (head.find("GET /api/v1/events?types=operation&operation_id=op_1 ") == 0) {
            if (++streams == 1) {
                // One progress event, then the connection drops.
                write_events(socket, "id: 5\nevent: operation.progress\ndata: {\"operation_id\":\"op_1\",\"progress\":50,\"current_step\":\"half\"}\n\n");
            } else {
                finished = true;
                write_events(socket, "id: 6\nevent: operation.status\ndata: {\"operation_id\":\"op_1\",\"from\":\"running\",\"to\":\"completed\",\"progress\":100}\n\n");
                std::this_thread::sleep_for(std::chrono::milliseconds(200));
            }
        } else if (head.find("GET /api/v1/operations/op_1 ") == 0) {
            write_json(socket, 200, finished ? operation("completed", 100) : operation("running", 10));
        } else {
            write_json(socket, 404, R"({"success":false,"error":"no route"})");
        }
    });
    Watching w(server.url());
    const auto result = watch(w.ctx, operation_target("op_1"));
    CHECK(result.code == ExitCode::Ok);
    CHECK(result.final.body.find("completed") != std::string::npos);
    INFO(w.err.str());
    CHECK(w.err.str().find("op_1 running  50%  half") != std::string::npos);
    CHECK(w.err.str().find("reconnecting from event 5") != std::string::npos);
    CHECK(w.err.str().find("op_1 completed 100%") != std::string::npos);
    const auto heads = server.heads();
    int resumed = 0;
    for (const auto& head : heads) {
        if (head.find("GET /api/v1/events") != 0) continue;
        CHECK(head.find("Authorization: Bearer tok\r\n") != std::string::npos);
        if (head.find("Last-Event-ID: 5\r\n") != std::string::npos) ++resumed;
    }
    CHECK(resumed == 1);
}

TEST_CASE("fleetctl watch: a failed operation is exit 1; an unknown one is not found at once", "[fleetctl][watch]") {
    ScriptedBackend server([&](const std::string& head, tcp::socket& socket) {
        if (head.find("GET /api/v1/operations/op_1 ") == 0) write_json(socket, 200, operation("failed", 40));
        else write_json(socket, 404, R"({"success":false,"error":"operation not found"})");
    });
    Watching w(server.url());
    const auto result = watch(w.ctx, operation_target("op_1"));
    CHECK(result.code == ExitCode::Failed);
    try {
        watch(w.ctx, operation_target("op_2"));
        FAIL("no error for an unknown operation");
    } catch (const CliError& error) {
        CHECK(error.code() == ExitCode::NotFound);
        CHECK(std::string(error.what()).find("operation not found") != std::string::npos);
    }
}

TEST_CASE("fleetctl watch polls a backend without an event stream", "[fleetctl][watch]") {
    std::atomic<int> reads{0};
    ScriptedBackend server([&](const std::string& head, tcp::socket& socket) {
        if (head.find("GET /api/v1/operations/op_1 ") == 0)
            write_json(socket, 200, ++reads < 3 ? operation("running", 30 * reads) : operation("cancelled", 60));
        else
            write_json(socket, 404, R"({"success":false,"error":"no route for GET /api/v1/events"})");
    });
    Watching w(server.url());
    const auto result = watch(w.ctx, operation_target("op_1"));
    CHECK(result.code == ExitCode::Failed);
    CHECK(w.err.str().find("polling") != std::string::npos);
    CHECK(reads >= 3);
}
