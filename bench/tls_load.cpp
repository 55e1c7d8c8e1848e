// TLS cost on the request path (scripts/bench_tls drives it).
//
//   fleet-bench-tls --url http(s)://127.0.0.1:PORT --mode health|dispatch [--clients 16] [--duration 5]
//       [--token T] [--tls-ca FILE] [--tls-cert FILE] [--tls-key FILE]
//
// health: N clients, each a loop of GET /health on its own kept-alive
// connection (HttpClient, the client the backend and the workers use), for D
// seconds; prints "health_rps <requests a second>".
// dispatch: N clients, each a loop of POST /api/v1/echo/start
// {"duration_ms": 0} for D seconds, then waits until the backend has completed
// every acknowledged start (GET /health's operations count, 60 s at most);
// prints "dispatch_ops_per_s <acknowledged / (load + drain seconds)>". Every
// call and hop (client -> backend -> worker -> backend) is over TLS when the
// fleet is.
#include "bench/bench_options.hpp"
#include "common/http/client.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/json/parse.hpp>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <functional>
#include <memory>
#include <thread>

namespace {

constexpr fleet::bench::Program kProgram{"fleet-bench-tls", "bench/tls_load.cpp"};
using Clock = std::chrono::steady_clock;
using namespace fleet;

struct Options {
    std::string url;
    std::string mode = "health";
    int clients = 16;
    int duration = 5;
    std::string token;
    http::TlsFiles tls;
};

// Runs `clients` loops of `request` until the deadline; returns how many got a 2xx.
std::uint64_t run_loops(http::HttpClient& client, boost::asio::io_context& io, const Options& o,
                        const http::ClientRequest& request) {
    const auto deadline = Clock::now() + std::chrono::seconds(o.duration);
    std::uint64_t ok = 0;
    std::function<void()> loop;
    auto step = std::make_shared<std::function<void()>>();
    *step = [&, step] {
        if (Clock::now() >= deadline) return;
        client.send(request, [&, step](http::ClientResponse response) {
            if (response.ok() && response.status / 100 == 2) ++ok;
            (*step)();
        });
    };
    for (int i = 0; i < o.clients; ++i) (*step)();
    io.run();
    io.restart();
    return ok;
}

// The backend's completed-operations count, from GET /health.
std::int64_t completed(http::BlockingHttpClient& client, const Options& o) {
    const auto response = client.get(o.url + "/health", o.token);
    if (!response.ok() || response.status != 200) return -1;
    const auto health = boost::json::parse(response.body).as_object();
    const auto* operations = health.if_contains("operations");
    if (!operations || !operations->is_object()) return -1;
    const auto* done = operations->as_object().if_contains("completed");
    return done ? done->to_number<std::int64_t>() : -1;
}

}  // namespace

int main(int argc, char** argv) {
    Options o;
    bench::read_options(kProgram, argc, argv, [&](std::string_view key, const std::string& value) {
        if (key == "--url") o.url = value;
        else if (key == "--mode") o.mode = value;
        else if (key == "--clients") o.clients = std::stoi(value);
        else if (key == "--duration") o.duration = std::stoi(value);
        else if (key == "--token") o.token = value;
        else if (key == "--tls-ca") o.tls.ca = value;
        else if (key == "--tls-cert") o.tls.cert = value;
        else if (key == "--tls-key") o.tls.key = value;
        else return false;
        return true;
    });
    if (o.url.empty()) bench::usage(kProgram, "--url is required");
    if (o.mode != "health" && o.mode != "dispatch") bench::usage(kProgram, "--mode must be health or dispatch");
    const auto tls = http::load_tls(o.tls).client;

    boost::asio::io_context io;
    http::HttpClient client(io, static_cast<std::size_t>(o.clients), tls);
    http::ClientRequest request;
    request.bearer_token = o.token;
    if (o.mode == "health") {
        request.url = o.url + "/health";
        const auto ok = run_loops(client, io, o, request);
        std::printf("health_rps %.0f\n", static_cast<double>(ok) / o.duration);
        return 0;
    }

    http::BlockingHttpClient checker(tls);
    const auto before = completed(checker, o);
    if (before < 0) bench::usage(kProgram, "GET /health has no operations.completed count");
    request.method = http::Method::Post;
    request.url = o.url + "/api/v1/echo/start";
    request.body = R"({"duration_ms": 0})";
    const auto started = Clock::now();
    const auto acknowledged = run_loops(client, io, o, request);
    const auto give_up = Clock::now() + std::chrono::seconds(60);
    while (completed(checker, o) - before < static_cast<std::int64_t>(acknowledged) && Clock::now() < give_up)
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    const double seconds = std::chrono::duration<double>(Clock::now() - started).count();
    std::printf("dispatch_ops_per_s %.0f acknowledged %llu\n", static_cast<double>(acknowledged) / seconds,
                static_cast<unsigned long long>(acknowledged));
    return 0;
}
