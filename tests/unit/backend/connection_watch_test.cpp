#include "backend/health/connection_watch.hpp"
#include "tests/support/io_loop.hpp"
#include "tests/support/ports.hpp"
#include "tests/support/process.hpp"
#include "tests/support/wait.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <catch2/catch.hpp>

#include <sys/resource.h>
#include <unistd.h>

#include <csignal>

#include <algorithm>
#include <array>
#include <atomic>
#include <future>
#include <iostream>
#include <list>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using namespace fleet;
using namespace fleet::backend;
using namespace std::chrono_literals;

namespace {

// A worker stand-in on a loopback port: accepts connections and holds them,
// never writing. It can close its connections while still listening (the
// worker's idle timeout) or close everything (the process died).
class Listener {
public:
    Listener() : acceptor_(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
        port_ = acceptor_.local_endpoint().port();
        accept();
        thread_ = std::thread([this] { io_.run(); });
    }
    ~Listener() {
        work_.reset();
        io_.stop();
        thread_.join();
    }

    std::uint16_t port() const { return port_; }
    std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
    int accepts() const { return accepts_; }
    int peer_closes() const { return peer_closes_; }  // connections the watcher closed

    // Closes the accepted connections, keeps listening.
    void close_connections() {
        run([this] { close_all(); });
    }
    // Stops listening, then closes every connection, as the kernel does for a dead process.
    void die() {
        run([this] {
            boost::system::error_code ignored;
            acceptor_.close(ignored);
            close_all();
        });
    }

private:
    struct Connection {
        explicit Connection(tcp::socket s) : socket(std::move(s)) {}
        tcp::socket socket;
        std::array<char, 16> buffer{};
    };

    template <typename F>
    void run(F f) {
        std::promise<void> done;
        asio::post(io_, [&] {
            f();
            done.set_value();
        });
        done.get_future().wait();
    }

    void close_all() {
        for (auto& c : connections_) {
            boost::system::error_code ignored;
            c->socket.close(ignored);
        }
        connections_.clear();
    }

    void accept() {
        acceptor_.async_accept([this](const boost::system::error_code& ec, tcp::socket socket) {
            if (ec) return;
            ++accepts_;
            auto c = std::make_shared<Connection>(std::move(socket));
            connections_.push_back(c);
            read(c);
            accept();
        });
    }

    void read(const std::shared_ptr<Connection>& c) {
        c->socket.async_read_some(asio::buffer(c->buffer), [this, c](const boost::system::error_code& ec, std::size_t) {
            if (ec == asio::error::operation_aborted) return;  // we closed it
            if (ec) {
                ++peer_closes_;
                return;
            }
            read(c);
        });
    }

    asio::io_context io_;
    asio::executor_work_guard<asio::io_context::executor_type> work_{io_.get_executor()};
    tcp::acceptor acceptor_;
    std::uint16_t port_ = 0;
    std::list<std::shared_ptr<Connection>> connections_;
    std::atomic<int> accepts_{0};
    std::atomic<int> peer_closes_{0};
    std::thread thread_;
};

struct Lost {
    std::string worker_id;
    std::string detail;
    std::chrono::steady_clock::time_point at;
};

struct LostLog {
    mutable std::mutex mutex;
    std::vector<Lost> lost;

    ConnectionWatch::OnLost callback() {
        return [this](const std::string& id, const std::string& detail) {
            std::lock_guard lock(mutex);
            lost.push_back(Lost{id, detail, std::chrono::steady_clock::now()});
        };
    }
    std::vector<Lost> snapshot() const {
        std::lock_guard lock(mutex);
        return lost;
    }
    bool has(const std::string& id) const {
        const auto all = snapshot();
        return std::any_of(all.begin(), all.end(), [&](const Lost& l) { return l.worker_id == id; });
    }
    std::size_t count(const std::string& id) const {
        const auto all = snapshot();
        return static_cast<std::size_t>(
            std::count_if(all.begin(), all.end(), [&](const Lost& l) { return l.worker_id == id; }));
    }
};

// Everything on the watch's strand before this sentinel's on_lost has run:
// watches a refused port and waits for its loss.
void flush(ConnectionWatch& watch, LostLog& log, const std::string& sentinel) {
    watch.watch(sentinel, "http://127.0.0.1:" + std::to_string(test::free_loopback_port()));
    REQUIRE(test::eventually([&] { return log.has(sentinel); }, 5s));
}

}  // namespace

TEST_CASE("connection watch: a worker whose process dies is lost within moments", "[health][watch]") {
    Listener worker;
    test::IoLoop loop;
    LostLog log;
    ConnectionWatch watch(loop.io, log.callback());
    watch.watch("w1", worker.url());
    CHECK(watch.size() == 1);
    REQUIRE(test::eventually([&] { return worker.accepts() == 1; }, 5s));

    const auto died = std::chrono::steady_clock::now();
    worker.die();
    REQUIRE(test::eventually([&] { return log.has("w1"); }, 2s));
    const auto lost = log.snapshot();
    REQUIRE(lost.size() == 1);
    CHECK(lost[0].worker_id == "w1");
    CHECK_FALSE(lost[0].detail.empty());
    CHECK(lost[0].at - died < 1s);
    CHECK(watch.size() == 0);
}

TEST_CASE("connection watch: an idle close while the worker still listens is silent and reconnects", "[health][watch]") {
    Listener worker;
    test::IoLoop loop;
    LostLog log;
    ConnectionWatch watch(loop.io, log.callback());
    watch.watch("w1", worker.url());
    REQUIRE(test::eventually([&] { return worker.accepts() == 1; }, 5s));

    worker.close_connections();
    REQUIRE(test::eventually([&] { return worker.accepts() == 2; }, 5s));
    worker.close_connections();
    REQUIRE(test::eventually([&] { return worker.accepts() == 3; }, 5s));
    CHECK(log.snapshot().empty());
    CHECK(watch.size() == 1);

    // Still watching: a death after the reconnects is noticed.
    worker.die();
    REQUIRE(test::eventually([&] { return log.has("w1"); }, 2s));
    CHECK(log.count("w1") == 1);
}

TEST_CASE("connection watch: a peer that closes every connection at once does not spin", "[health][watch]") {
    Listener worker;
    test::IoLoop loop;
    LostLog log;
    ConnectionWatch watch(loop.io, log.callback());
    watch.watch("w1", worker.url());
    std::chrono::steady_clock::time_point last_close{};
    for (int i = 1; i <= 5; ++i) {
        REQUIRE(test::eventually([&] { return worker.accepts() == i; }, 5s));
        last_close = std::chrono::steady_clock::now();
        worker.close_connections();
    }
    // After five quick closes in a row the watch pauses about a second.
    REQUIRE(test::eventually([&] { return worker.accepts() == 6; }, 5s));
    CHECK(std::chrono::steady_clock::now() - last_close >= 900ms);
    worker.close_connections();
    REQUIRE(test::eventually([&] { return worker.accepts() == 7; }, 5s));
    CHECK(log.snapshot().empty());
}

TEST_CASE("connection watch: refused at the first connect is lost", "[health][watch]") {
    test::IoLoop loop;
    LostLog log;
    ConnectionWatch watch(loop.io, log.callback());
    watch.watch("w1", "http://127.0.0.1:" + std::to_string(test::free_loopback_port()));
    REQUIRE(test::eventually([&] { return log.has("w1"); }, 5s));
    CHECK(log.snapshot().size() == 1);
    CHECK(watch.size() == 0);
}

TEST_CASE("connection watch: connects that time out are retried silently", "[health][watch]") {
    // A listener with a backlog of one, filled and never accepted: the kernel
    // drops further SYNs, so a connect hangs as to a host that vanished.
    asio::io_context io;
    tcp::acceptor acceptor(io);
    const tcp::endpoint local(asio::ip::make_address("127.0.0.1"), 0);
    acceptor.open(local.protocol());
    acceptor.bind(local);
    acceptor.listen(0);
    const auto port = acceptor.local_endpoint().port();
    tcp::socket filler(io);
    filler.connect(acceptor.local_endpoint());

    test::IoLoop loop;
    LostLog log;
    ConnectionWatch watch(loop.io, log.callback());
    watch.watch("w1", "http://127.0.0.1:" + std::to_string(port));
    // Past two connect deadlines (1 s each), and nothing reported.
    std::this_thread::sleep_for(2200ms);
    CHECK(log.snapshot().empty());
    CHECK(watch.size() == 1);

    // Accept again: the watch's next attempt gets through ...
    acceptor.non_blocking(true);
    std::vector<tcp::socket> accepted;
    REQUIRE(test::eventually(
        [&] {
            boost::system::error_code ec;
            tcp::socket s = acceptor.accept(ec);
            if (!ec) accepted.push_back(std::move(s));
            return accepted.size() >= 2;  // the filler and the watch
        },
        5s));
    CHECK(log.snapshot().empty());
    // ... and it watches that connection: the process dies, it is lost.
    acceptor.close();
    accepted.clear();
    filler.close();
    REQUIRE(test::eventually([&] { return log.has("w1"); }, 2s));
}

TEST_CASE("connection watch: unwatch closes the connection and never calls back", "[health][watch]") {
    Listener worker;
    test::IoLoop loop;
    LostLog log;
    ConnectionWatch watch(loop.io, log.callback());
    watch.watch("w1", worker.url());
    REQUIRE(test::eventually([&] { return worker.accepts() == 1; }, 5s));

    watch.unwatch("w1");
    CHECK(watch.size() == 0);
    REQUIRE(test::eventually([&] { return worker.peer_closes() == 1; }, 5s));
    worker.die();
    flush(watch, log, "sentinel");
    CHECK_FALSE(log.has("w1"));
    CHECK(worker.accepts() == 1);
    watch.unwatch("never-watched");  // harmless
}

TEST_CASE("connection watch: watch again, same endpoint is a no-op, another endpoint restarts", "[health][watch]") {
    Listener first;
    Listener second;
    test::IoLoop loop;
    LostLog log;
    ConnectionWatch watch(loop.io, log.callback());
    watch.watch("w1", first.url());
    REQUIRE(test::eventually([&] { return first.accepts() == 1; }, 5s));

    watch.watch("w1", first.url());
    flush(watch, log, "sentinel-1");
    CHECK(first.accepts() == 1);
    CHECK(first.peer_closes() == 0);
    CHECK(watch.size() == 1);

    watch.watch("w1", second.url());
    REQUIRE(test::eventually([&] { return second.accepts() == 1; }, 5s));
    REQUIRE(test::eventually([&] { return first.peer_closes() == 1; }, 5s));
    CHECK(watch.size() == 1);

    // The old endpoint's death is none of its business any more; the new one's is.
    first.die();
    flush(watch, log, "sentinel-2");
    CHECK_FALSE(log.has("w1"));
    second.die();
    REQUIRE(test::eventually([&] { return log.has("w1"); }, 2s));
    CHECK(log.count("w1") == 1);
}

TEST_CASE("connection watch: after on_lost, watch() starts a new watch", "[health][watch]") {
    test::IoLoop loop;
    LostLog log;
    ConnectionWatch watch(loop.io, log.callback());
    const auto refused = "http://127.0.0.1:" + std::to_string(test::free_loopback_port());
    watch.watch("w1", refused);
    REQUIRE(test::eventually([&] { return log.count("w1") == 1; }, 5s));
    Listener worker;
    watch.watch("w1", worker.url());
    REQUIRE(test::eventually([&] { return worker.accepts() == 1; }, 5s));
    CHECK(log.count("w1") == 1);
}

TEST_CASE("connection watch: a bad URL is logged and not watched", "[health][watch]") {
    test::IoLoop loop;
    LostLog log;
    ConnectionWatch watch(loop.io, log.callback());
    CHECK_NOTHROW(watch.watch("w1", "not a url"));
    CHECK_NOTHROW(watch.watch("w2", "ftp://127.0.0.1:21"));
    CHECK_NOTHROW(watch.watch("w3", "http://127.0.0.1:99999"));
    CHECK_NOTHROW(watch.watch("w4", ""));
    CHECK(watch.size() == 0);
    flush(watch, log, "sentinel");
    CHECK(log.snapshot().size() == 1);
}

TEST_CASE("connection watch: destroyed while watching, it calls nothing", "[health][watch]") {
    Listener worker;
    test::IoLoop loop;
    LostLog log;
    {
        ConnectionWatch watch(loop.io, log.callback());
        watch.watch("w1", worker.url());
        REQUIRE(test::eventually([&] { return worker.accepts() == 1; }, 5s));
    }
    REQUIRE(test::eventually([&] { return worker.peer_closes() == 1; }, 5s));
    worker.die();
    ConnectionWatch other(loop.io, log.callback());
    flush(other, log, "sentinel");
    CHECK_FALSE(log.has("w1"));
}

TEST_CASE("connection watch: many workers on an io_context run by several threads", "[health][watch]") {
    constexpr int kWorkers = 12;
    std::vector<std::unique_ptr<Listener>> workers;
    for (int i = 0; i < kWorkers; ++i) workers.push_back(std::make_unique<Listener>());
    test::IoLoop loop(3);
    LostLog log;
    ConnectionWatch watch(loop.io, log.callback());
    // watch() from several threads at once.
    std::vector<std::thread> callers;
    for (int t = 0; t < 3; ++t)
        callers.emplace_back([&, t] {
            for (int i = t; i < kWorkers; i += 3) watch.watch("w" + std::to_string(i), workers[i]->url());
        });
    for (auto& c : callers) c.join();
    CHECK(watch.size() == kWorkers);
    for (auto& w : workers) REQUIRE(test::eventually([&] { return w->accepts() == 1; }, 5s));

    // Even ones time out idly and are reconnected; odd ones die.
    for (int i = 0; i < kWorkers; ++i) {
        if (i % 2 == 0)
            workers[i]->close_connections();
        else
            workers[i]->die();
    }
    for (int i = 1; i < kWorkers; i += 2) REQUIRE(test::eventually([&] { return log.has("w" + std::to_string(i)); }, 5s));
    for (int i = 0; i < kWorkers; i += 2) REQUIRE(test::eventually([&] { return workers[i]->accepts() == 2; }, 5s));
    for (int i = 0; i < kWorkers; i += 2) CHECK_FALSE(log.has("w" + std::to_string(i)));
    CHECK(log.snapshot().size() == kWorkers / 2);
    CHECK(watch.size() == kWorkers / 2);
}

TEST_CASE("connection watch: the open file limit is raised to the hard limit", "[health][watch]") {
    test::IoLoop loop;
    ConnectionWatch watch(loop.io, {});
    rlimit limit{};
    REQUIRE(getrlimit(RLIMIT_NOFILE, &limit) == 0);
    if (limit.rlim_max != RLIM_INFINITY) CHECK(limit.rlim_cur == limit.rlim_max);
}

TEST_CASE("connection watch: detection latency of a dead process", "[.bench][health][watch]") {
    test::IoLoop loop;
    LostLog log;
    ConnectionWatch watch(loop.io, log.callback());
    std::vector<double> latencies_ms;
    for (int i = 0; i < 20; ++i) {
        Listener worker;
        const auto id = "w" + std::to_string(i);
        watch.watch(id, worker.url());
        REQUIRE(test::eventually([&] { return worker.accepts() == 1; }, 5s));
        const auto died = std::chrono::steady_clock::now();
        worker.die();
        REQUIRE(test::eventually([&] { return log.has(id); }, 5s));
        for (const auto& l : log.snapshot())
            if (l.worker_id == id)
                latencies_ms.push_back(std::chrono::duration<double, std::milli>(l.at - died).count());
    }
    std::sort(latencies_ms.begin(), latencies_ms.end());
    std::cout << "connection watch detection latency over " << latencies_ms.size()
              << " tries: min " << latencies_ms.front() << " ms, median " << latencies_ms[latencies_ms.size() / 2]
              << " ms, max " << latencies_ms.back() << " ms\n";
}

TEST_CASE("connection watch: detection latency of a SIGKILLed child process", "[.bench][health][watch]") {
    // A real process that accepts and holds connections, killed outright.
    const std::string python = "/usr/bin/python3";
    if (access(python.c_str(), X_OK) != 0) {
        WARN("no " << python << ": skipped");
        return;
    }
    const std::string script =
        "import socket\n"
        "s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen(16)\n"
        "print('port', s.getsockname()[1], 'ready', flush=True)\n"
        "held = []\n"
        "while True:\n"
        "    c, _ = s.accept(); held.append(c); print('accepted', flush=True)\n";
    test::IoLoop loop;
    LostLog log;
    ConnectionWatch watch(loop.io, log.callback());
    std::vector<double> latencies_ms;
    for (int i = 0; i < 20; ++i) {
        test::Process child(python, {"-c", script});
        const auto line = child.wait_for_line(" ready");  // the whole line is in
        auto port = line.substr(line.find("port ") + 5);
        port.erase(std::remove_if(port.begin(), port.end(), [](char c) { return c < '0' || c > '9'; }), port.end());
        const auto id = "p" + std::to_string(i);
        watch.watch(id, "http://127.0.0.1:" + port);
        child.wait_for_line("accepted");
        const auto killed = std::chrono::steady_clock::now();
        child.signal(SIGKILL);
        REQUIRE(test::eventually([&] { return log.has(id); }, 5s));
        for (const auto& l : log.snapshot())
            if (l.worker_id == id)
                latencies_ms.push_back(std::chrono::duration<double, std::milli>(l.at - killed).count());
    }
    std::sort(latencies_ms.begin(), latencies_ms.end());
    std::cout << "SIGKILLed child: detection latency over " << latencies_ms.size() << " tries: min "
              << latencies_ms.front() << " ms, median " << latencies_ms[latencies_ms.size() / 2] << " ms, max "
              << latencies_ms.back() << " ms\n";
}
