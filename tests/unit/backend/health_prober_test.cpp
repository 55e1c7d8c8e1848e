#include "backend/health/health_prober.hpp"
#include "common/http/server.hpp"
#include "tests/support/fake_server.hpp"
#include "tests/support/io_loop.hpp"
#include "tests/support/ports.hpp"
#include "tests/support/wait.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/json/object.hpp>
#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace asio = boost::asio;
namespace json = boost::json;
using tcp = asio::ip::tcp;
using namespace fleet;
using namespace fleet::backend;
using namespace std::chrono_literals;

namespace {

// Everything a sweep reported, in order, readable from the test thread.
struct Collected {
    mutable std::mutex mutex;
    std::vector<ProbeResult> results;
    bool done = false;
    std::size_t results_at_done = 0;

    std::function<void(ProbeResult)> on_result() {
        return [this](ProbeResult r) {
            std::lock_guard lock(mutex);
            results.push_back(std::move(r));
        };
    }
    std::function<void()> on_done() {
        return [this] {
            std::lock_guard lock(mutex);
            done = true;
            results_at_done = results.size();
        };
    }
    bool is_done() const {
        std::lock_guard lock(mutex);
        return done;
    }
    std::vector<ProbeResult> snapshot() const {
        std::lock_guard lock(mutex);
        return results;
    }
};

// Accepts connections and never reads nor answers: a hung worker.
class SilentServer {
public:
    SilentServer() : acceptor_(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
        accept();
        thread_ = std::thread([this] { io_.run(); });
    }
    ~SilentServer() {
        io_.stop();
        thread_.join();
    }
    std::string url() const { return "http://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port()); }

private:
    void accept() {
        acceptor_.async_accept([this](const boost::system::error_code& ec, tcp::socket socket) {
            if (ec) return;
            held_.push_back(std::move(socket));
            accept();
        });
    }

    asio::io_context io_;
    tcp::acceptor acceptor_;
    std::vector<tcp::socket> held_;
    std::thread thread_;
};

http::HttpResponse health(const std::string& worker_status, json::value current_operation = nullptr) {
    return http::HttpResponse::json(200, json::object{{"healthy", true},
                                                      {"service", "echo-worker"},
                                                      {"worker_id", "w1"},
                                                      {"status", "operational"},
                                                      {"worker_status", worker_status},
                                                      {"current_operation", current_operation}});
}

ProbeResult probe_one(const std::string& url, std::chrono::milliseconds timeout = 2s, const std::string& token = "") {
    test::IoLoop loop;
    http::HttpClient client(loop.io);
    HealthProber prober(loop.io, client, token, timeout, 4);
    Collected collected;
    prober.sweep({ProbeTarget{"w1", url}}, 0ms, collected.on_result(), collected.on_done());
    REQUIRE(test::eventually([&] { return collected.is_done(); }, 10s));
    const auto results = collected.snapshot();
    REQUIRE(results.size() == 1);
    return results.front();
}

http::ClientResponse answer(int status, std::string body) {
    http::ClientResponse response;
    response.status = status;
    response.body = std::move(body);
    return response;
}

}  // namespace

TEST_CASE("classify_probe: healthy answers", "[health][prober]") {
    auto r = classify_probe("w1", answer(200, R"({"healthy": true, "worker_status": "idle", "current_operation": null})"));
    CHECK(r.outcome == ProbeOutcome::Healthy);
    CHECK(r.worker_id == "w1");
    CHECK(r.worker_status == "idle");
    CHECK(r.current_operations.empty());

    r = classify_probe("w1", answer(200, R"({"healthy": true, "worker_status": "busy", "current_operation": "op-1",
                                             "current_operations": ["op-1", "op-2"]})"));
    CHECK(r.outcome == ProbeOutcome::Healthy);
    CHECK(r.worker_status == "busy");
    CHECK(r.current_operations == std::vector<std::string>{"op-1", "op-2"});

    r = classify_probe("w1", answer(200, R"({"healthy": true, "worker_status": "busy", "current_operations": ["a"]})"));
    CHECK(r.current_operations == std::vector<std::string>{"a"});
}

TEST_CASE("classify_probe: failures", "[health][prober]") {
    const auto outcome = [](const http::ClientResponse& response) { return classify_probe("w1", response).outcome; };

    CHECK(outcome(answer(500, R"({"healthy": true, "worker_status": "idle"})")) == ProbeOutcome::AmbiguousFailure);
    CHECK(outcome(answer(200, "not json")) == ProbeOutcome::AmbiguousFailure);
    CHECK(outcome(answer(200, "[1, 2]")) == ProbeOutcome::AmbiguousFailure);
    CHECK(outcome(answer(200, R"({"healthy": false, "worker_status": "idle"})")) == ProbeOutcome::AmbiguousFailure);
    CHECK(outcome(answer(200, R"({"healthy": "yes", "worker_status": "idle"})")) == ProbeOutcome::AmbiguousFailure);
    CHECK(outcome(answer(200, R"({"healthy": true})")) == ProbeOutcome::AmbiguousFailure);

    http::ClientResponse error;
    error.error = http::ClientError::Refused;
    CHECK(outcome(error) == ProbeOutcome::DefiniteFailure);
    error.error = http::ClientError::Closed;
    CHECK(outcome(error) == ProbeOutcome::DefiniteFailure);
    error.error = http::ClientError::Timeout;
    error.error_message = "no answer within 5000 ms";
    const auto r = classify_probe("w1", error);
    CHECK(r.outcome == ProbeOutcome::AmbiguousFailure);
    CHECK(r.detail.find("timeout") != std::string::npos);
    error.error = http::ClientError::Resolve;
    CHECK(outcome(error) == ProbeOutcome::AmbiguousFailure);
    error.error = http::ClientError::Other;
    CHECK(outcome(error) == ProbeOutcome::AmbiguousFailure);
}

TEST_CASE("health prober: a healthy idle worker, with the token on /health", "[health][prober]") {
    test::FakeServer server([](const http::HttpRequest&) { return health("idle"); });
    const auto r = probe_one(server.url() + "/", 2s, "sekrit");
    CHECK(r.outcome == ProbeOutcome::Healthy);
    CHECK(r.worker_id == "w1");
    CHECK(r.worker_status == "idle");
    CHECK(r.current_operations.empty());
    const auto requests = server.requests();
    REQUIRE(requests.size() == 1);
    CHECK(requests[0].method == http::Method::Get);
    CHECK(requests[0].path == "/health");
    CHECK(requests[0].authorization == "Bearer sekrit");
}

TEST_CASE("health prober: a healthy busy worker reports its operation; no token, no header", "[health][prober]") {
    test::FakeServer server([](const http::HttpRequest&) { return health("busy", "op-42"); });
    const auto r = probe_one(server.url());
    CHECK(r.outcome == ProbeOutcome::Healthy);
    CHECK(r.worker_status == "busy");
    CHECK(r.current_operations == std::vector<std::string>{"op-42"});
    REQUIRE(server.requests().size() == 1);
    CHECK(server.requests()[0].authorization.empty());
}

TEST_CASE("health prober: a 500 is an ambiguous failure", "[health][prober]") {
    test::FakeServer server([](const http::HttpRequest&) {
        return http::HttpResponse::json(500, json::object{{"error", "boom"}});
    });
    const auto r = probe_one(server.url());
    CHECK(r.outcome == ProbeOutcome::AmbiguousFailure);
    CHECK(r.detail.find("500") != std::string::npos);
}

TEST_CASE("health prober: bad JSON is an ambiguous failure", "[health][prober]") {
    test::FakeServer server([](const http::HttpRequest&) { return http::HttpResponse::text(200, "{not json"); });
    CHECK(probe_one(server.url()).outcome == ProbeOutcome::AmbiguousFailure);
}

TEST_CASE("health prober: a refused port is a definite failure", "[health][prober]") {
    const auto r = probe_one("http://127.0.0.1:" + std::to_string(test::free_loopback_port()));
    CHECK(r.outcome == ProbeOutcome::DefiniteFailure);
    CHECK_FALSE(r.detail.empty());
}

TEST_CASE("health prober: a worker that accepts and never answers times out, ambiguously", "[health][prober]") {
    SilentServer silent;
    const auto started = std::chrono::steady_clock::now();
    const auto r = probe_one(silent.url(), 300ms);
    CHECK(std::chrono::steady_clock::now() - started >= 300ms);
    CHECK(r.outcome == ProbeOutcome::AmbiguousFailure);
    CHECK(r.detail.find("timeout") != std::string::npos);
}

TEST_CASE("health prober: at most max_in_flight probes at once, but that many in parallel", "[health][prober]") {
    // A server whose answers wait until the test releases them, counting how
    // many requests it holds at once.
    asio::io_context server_io;
    std::mutex mutex;
    std::vector<http::Reply> held;
    std::size_t in_flight = 0;
    std::size_t max_in_flight = 0;
    http::ServerConfig config;
    config.host = "127.0.0.1";
    http::HttpServer server(server_io, config, [&](http::HttpRequest, http::Reply reply) {
        std::lock_guard lock(mutex);
        ++in_flight;
        max_in_flight = std::max(max_in_flight, in_flight);
        held.push_back(std::move(reply));
    });
    const auto port = server.listen();
    std::thread server_thread([&] { server_io.run(); });

    constexpr std::size_t kTargets = 20;
    constexpr std::size_t kLimit = 4;
    std::vector<ProbeTarget> targets;
    for (std::size_t i = 0; i < kTargets; ++i)
        targets.push_back(ProbeTarget{"w" + std::to_string(i), "http://127.0.0.1:" + std::to_string(port)});

    {
        test::IoLoop loop(3);  // several threads: the bound must hold across them
        http::HttpClient client(loop.io);
        HealthProber prober(loop.io, client, "", 10s, kLimit);
        Collected collected;
        prober.sweep(targets, 0ms, collected.on_result(), collected.on_done());

        std::size_t answered = 0;
        while (answered < kTargets) {
            const auto expected = std::min(kLimit, kTargets - answered);
            REQUIRE(test::eventually(
                [&] {
                    std::lock_guard lock(mutex);
                    return held.size() >= expected;
                },
                10s));
            std::vector<http::Reply> release;
            {
                std::lock_guard lock(mutex);
                release.swap(held);
                in_flight -= release.size();
            }
            CHECK(collected.snapshot().size() <= answered);  // nothing reported before its answer
            for (auto& reply : release) reply(health("idle"));
            answered += release.size();
        }
        REQUIRE(test::eventually([&] { return collected.is_done(); }, 10s));
        const auto results = collected.snapshot();
        CHECK(results.size() == kTargets);
        CHECK(collected.results_at_done == kTargets);
        for (const auto& r : results) CHECK(r.outcome == ProbeOutcome::Healthy);
        std::vector<std::string> ids;
        for (const auto& r : results) ids.push_back(r.worker_id);
        std::sort(ids.begin(), ids.end());
        CHECK(std::adjacent_find(ids.begin(), ids.end()) == ids.end());
    }
    {
        std::lock_guard lock(mutex);
        CHECK(max_in_flight == kLimit);
    }
    server.stop();
    server_io.stop();
    server_thread.join();
}

TEST_CASE("health prober: jitter spreads the starts and every target still reports", "[health][prober]") {
    test::FakeServer server([](const http::HttpRequest&) { return health("idle"); });
    test::IoLoop loop(2);
    http::HttpClient client(loop.io);
    HealthProber prober(loop.io, client, "", 2s, 3);
    Collected collected;
    std::vector<ProbeTarget> targets;
    for (int i = 0; i < 10; ++i) targets.push_back(ProbeTarget{"w" + std::to_string(i), server.url()});
    prober.sweep(targets, 200ms, collected.on_result(), collected.on_done());
    REQUIRE(test::eventually([&] { return collected.is_done(); }, 10s));
    CHECK(collected.snapshot().size() == 10);
    CHECK(collected.results_at_done == 10);
    CHECK(server.requests().size() == 10);
}

TEST_CASE("health prober: an empty sweep is done at once", "[health][prober]") {
    test::IoLoop loop;
    http::HttpClient client(loop.io);
    HealthProber prober(loop.io, client, "", 2s);
    Collected collected;
    prober.sweep({}, 1s, collected.on_result(), collected.on_done());
    REQUIRE(test::eventually([&] { return collected.is_done(); }, 5s));
    CHECK(collected.snapshot().empty());
}

TEST_CASE("health prober: destroyed during a sweep, it calls nothing more", "[health][prober]") {
    test::FakeServer server([](const http::HttpRequest&) { return health("idle"); });
    std::atomic<int> calls{0};
    std::vector<ProbeTarget> targets;
    for (int i = 0; i < 8; ++i) targets.push_back(ProbeTarget{"w" + std::to_string(i), server.url()});

    SECTION("requests already sent") {
        asio::io_context io;
        http::HttpClient client(io);
        auto prober = std::make_unique<HealthProber>(io, client, "", 2s, 4);
        prober->sweep(targets, 0ms, [&](ProbeResult) { ++calls; }, [&] { ++calls; });
        prober.reset();
        // The io_context runs only now: the exchanges already started finish,
        // and nothing is reported; the queued ones never start.
        io.run_for(10s);
        CHECK(io.stopped());
        CHECK(calls == 0);
        CHECK(server.requests().size() <= 4);
    }
    SECTION("jitter timers pending: cancelled, so the io_context runs out of work at once") {
        asio::io_context io;
        http::HttpClient client(io);
        auto prober = std::make_unique<HealthProber>(io, client, "", 2s, 4);
        prober->sweep(targets, 60s, [&](ProbeResult) { ++calls; }, [&] { ++calls; });
        prober.reset();
        const auto started = std::chrono::steady_clock::now();
        io.run_for(10s);
        CHECK(std::chrono::steady_clock::now() - started < 5s);
        CHECK(calls == 0);
        CHECK(server.requests().empty());
    }
    SECTION("from inside its own callback") {
        test::IoLoop loop;
        http::HttpClient client(loop.io);
        std::unique_ptr<HealthProber> prober = std::make_unique<HealthProber>(loop.io, client, "", 2s, 1);
        std::atomic<bool> destroyed{false};
        prober->sweep(targets, 0ms, [&](ProbeResult) {
            ++calls;
            prober.reset();
            destroyed = true;
        }, [&] { ++calls; });
        REQUIRE(test::eventually([&] { return destroyed.load(); }, 5s));
        // Had the prober gone on, the other seven would reach the server
        // (max_in_flight 1, so at most one more was already under way).
        CHECK_FALSE(server.wait_for([](const auto& requests) { return requests.size() > 2; }, 500ms));
        CHECK(calls == 1);
    }
}
