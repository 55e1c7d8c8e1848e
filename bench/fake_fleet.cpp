// A fleet of fake echo workers in one process, for the backend's registry and
// health monitor at scale (scripts/bench_backend drives it).
//
//   fleet-bench-fake-fleet --backend http://127.0.0.1:8000 [--workers 2000] [--in-flight 64]
//       [--threads 1] [--report-every 5] [--max-seconds 600] [--token T]
//
// Opens N HTTP listeners on 127.0.0.1 (port 0), each answering GET /health as
// an idle echo worker, registers each with the backend as worker `fake-<i>`,
// type echo, domain `fake-echo` (so real dispatch is not disturbed), with at
// most --in-flight registrations out at once, and prints how long all of them
// took. Then it answers health checks until SIGTERM/SIGINT (or --max-seconds),
// printing every few seconds how many arrived per second and how many distinct
// workers they reached.
#include "bench/bench_options.hpp"
#include "common/clock.hpp"
#include "common/http/client.hpp"
#include "common/http/server.hpp"
#include "common/log.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/json/serialize.hpp>

#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;
using fleet::http::HttpRequest;
using fleet::http::HttpResponse;

struct Options {
    std::string backend = "http://127.0.0.1:8000";
    std::string token;
    int workers = 2000;
    int in_flight = 64;
    int threads = 1;
    double report_every = 5;
    double max_seconds = 600;
};

constexpr fleet::bench::Program kProgram{"fleet-bench-fake-fleet", "bench/fake_fleet.cpp"};

Options parse_options(int argc, char** argv) {
    Options o;
    fleet::bench::read_options(kProgram, argc, argv, [&](std::string_view key, const std::string& value) {
        if (key == "--backend") o.backend = value;
        else if (key == "--token") o.token = value;
        else if (key == "--workers") o.workers = std::max(1, std::atoi(value.c_str()));
        else if (key == "--in-flight") o.in_flight = std::max(1, std::atoi(value.c_str()));
        else if (key == "--threads") o.threads = std::clamp(std::atoi(value.c_str()), 1, 2);
        else if (key == "--report-every") o.report_every = std::max(0.5, std::atof(value.c_str()));
        else if (key == "--max-seconds") o.max_seconds = std::max(1.0, std::atof(value.c_str()));
        else return false;
        return true;
    });
    o.backend = fleet::bench::loopback_backend(kProgram, o.backend).url;
    return o;
}

// Thousands of listeners and their connections: soft descriptor limit to the hard one.
void raise_fd_limit() {
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return;
    rlimit raised = limit;
    raised.rlim_cur = limit.rlim_max == RLIM_INFINITY ? (1 << 20) : limit.rlim_max;
    if (raised.rlim_cur != limit.rlim_cur && setrlimit(RLIMIT_NOFILE, &raised) != 0)
        std::fprintf(stderr, "fake fleet: cannot raise the open file limit: %s\n", std::strerror(errno));
    getrlimit(RLIMIT_NOFILE, &limit);
    std::printf("fake fleet: open file limit %llu\n", static_cast<unsigned long long>(limit.rlim_cur));
}

struct FakeWorker {
    std::string id;
    std::string health_prefix;  // everything of the /health answer up to the timestamp
    std::uint16_t port = 0;
    std::atomic<std::uint64_t> checks{0};
    std::unique_ptr<fleet::http::HttpServer> server;
};

}  // namespace

int main(int argc, char** argv) {
    const Options o = parse_options(argc, argv);
    fleet::log::set_level(fleet::log::Level::Warn);
    raise_fd_limit();

    asio::io_context io(o.threads);
    std::atomic<std::uint64_t> total_checks{0};
    std::vector<std::unique_ptr<FakeWorker>> workers;
    workers.reserve(static_cast<std::size_t>(o.workers));

    const auto listen_start = Clock::now();
    for (int i = 0; i < o.workers; ++i) {
        auto w = std::make_unique<FakeWorker>();
        w->id = "fake-" + std::to_string(i);
        w->health_prefix = R"({"healthy":true,"service":"echo-worker","worker_id":")" + w->id +
                           R"(","worker_type":"echo","status":"operational","worker_status":"idle",)"
                           R"("current_operation":null,"timestamp":")";
        fleet::http::ServerConfig config;
        config.host = "127.0.0.1";
        config.port = 0;
        config.io_threads = static_cast<std::size_t>(o.threads);
        FakeWorker* raw = w.get();
        w->server = std::make_unique<fleet::http::HttpServer>(
            io, config, [raw, &total_checks](HttpRequest request, fleet::http::Reply reply) {
                if (request.method == fleet::http::Method::Get && request.path == "/health") {
                    raw->checks.fetch_add(1, std::memory_order_relaxed);
                    total_checks.fetch_add(1, std::memory_order_relaxed);
                    std::string body = raw->health_prefix;
                    body += fleet::to_iso8601(fleet::SystemClock::instance().now());
                    body += "\"}";
                    reply(HttpResponse::text(200, std::move(body), "application/json"));
                    return;
                }
                reply(HttpResponse::json(404, {{"success", false}, {"error", "a fake worker only answers /health"}}));
            });
        try {
            w->port = w->server->listen();
        } catch (const std::exception& error) {
            std::fprintf(stderr, "fake fleet: listener %d: %s\n", i, error.what());
            return 1;
        }
        workers.push_back(std::move(w));
    }
    std::printf("fake fleet: %d listeners on 127.0.0.1 in %.0f ms\n", o.workers,
                std::chrono::duration<double, std::milli>(Clock::now() - listen_start).count());
    std::fflush(stdout);

    // Registration: at most `in_flight` out at once; each answer starts the next.
    fleet::http::HttpClient client(io, static_cast<std::size_t>(o.in_flight));
    std::mutex mutex;
    std::size_t next = 0, answered = 0, registered = 0;
    std::string first_failure;
    const auto register_start = Clock::now();
    std::function<void()> launch = [&] {
        std::size_t index;
        {
            std::lock_guard lock(mutex);
            if (next >= workers.size()) return;
            index = next++;
        }
        const auto& w = *workers[index];
        const boost::json::object body{{"worker_id", w.id},
                                       {"worker_type", "echo"},
                                       {"domain", "fake-echo"},
                                       {"endpoint_url", "http://127.0.0.1:" + std::to_string(w.port)},
                                       {"capabilities", {{"cores", 1}, {"memory_gb", 0.5}}},
                                       {"max_concurrent", 1},
                                       {"version", "fake"}};
        fleet::http::ClientRequest request;
        request.method = fleet::http::Method::Post;
        request.url = o.backend + "/api/v1/workers/register";
        request.body = boost::json::serialize(body);
        request.bearer_token = o.token;
        request.timeout = std::chrono::seconds(10);
        client.send(std::move(request), [&, index](fleet::http::ClientResponse response) {
            bool all_done = false;
            {
                std::lock_guard lock(mutex);
                ++answered;
                if (response.ok() && response.status == 200) ++registered;
                else if (first_failure.empty())
                    first_failure = workers[index]->id + ": " +
                                    (response.ok() ? "HTTP " + std::to_string(response.status) + " " + response.body
                                                   : response.error_message);
                all_done = answered == workers.size();
            }
            if (all_done) {
                const double ms = std::chrono::duration<double, std::milli>(Clock::now() - register_start).count();
                std::printf("fake fleet register: %zu of %zu registered in %.0f ms (%d in flight)%s%s\n", registered,
                            workers.size(), ms, o.in_flight, first_failure.empty() ? "" : "; first failure: ",
                            first_failure.c_str());
                std::fflush(stdout);
            }
            launch();
        });
    };
    for (int i = 0; i < o.in_flight; ++i) launch();

    // Health checks per second, and how many distinct workers they reached.
    asio::steady_timer report(io);
    std::vector<std::uint64_t> last_seen(workers.size(), 0);
    std::uint64_t last_total = 0;
    auto last_time = Clock::now();
    std::function<void()> schedule_report = [&] {
        report.expires_after(std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o.report_every)));
        report.async_wait([&](const boost::system::error_code& ec) {
            if (ec) return;
            const auto now = Clock::now();
            const double seconds = std::chrono::duration<double>(now - last_time).count();
            const auto total = total_checks.load();
            std::size_t distinct = 0;
            for (std::size_t i = 0; i < workers.size(); ++i) {
                const auto seen = workers[i]->checks.load(std::memory_order_relaxed);
                if (seen != last_seen[i]) ++distinct;
                last_seen[i] = seen;
            }
            std::printf("fake fleet health: %.0f checks/s over the last %.1f s, reaching %zu of %zu workers (total %llu)\n",
                        static_cast<double>(total - last_total) / seconds, seconds, distinct, workers.size(),
                        static_cast<unsigned long long>(total));
            std::fflush(stdout);
            last_total = total;
            last_time = now;
            schedule_report();
        });
    };
    schedule_report();

    // Until SIGTERM/SIGINT, or the safety bound.
    asio::signal_set signals(io, SIGINT, SIGTERM);
    asio::steady_timer bound(io, std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o.max_seconds)));
    const auto shutdown = [&] {
        signals.cancel();
        bound.cancel();
        report.cancel();
        for (auto& w : workers) w->server->stop();
        io.stop();
    };
    signals.async_wait([&](const boost::system::error_code& ec, int) {
        if (!ec) shutdown();
    });
    bound.async_wait([&](const boost::system::error_code& ec) {
        if (ec) return;
        std::fprintf(stderr, "fake fleet: --max-seconds reached, stopping\n");
        shutdown();
    });

    std::vector<std::thread> extra;
    for (int i = 1; i < o.threads; ++i) extra.emplace_back([&] { io.run(); });
    io.run();
    for (auto& t : extra) t.join();
    std::printf("fake fleet: stopped after %llu health checks\n", static_cast<unsigned long long>(total_checks.load()));
    return 0;
}
