// Load generator for the backend's dispatch path (scripts/bench_backend drives it).
//
//   fleet-bench-dispatch --backend http://127.0.0.1:8000 [--clients 64] [--duration 10]
//       [--rate 0] [--max-connections 256] [--late-after-ms 1]
//       [--domain echo] [--body '{"duration_ms": 0, "steps": 1}'] [--sequential 500]
//       [--read-clients 32] [--read-duration 10] [--verify-all-up-to 50000] [--token T]
//       [--backend-pid PID] [--worker-pids PID,PID,...] [--label L] [--figures FILE] [--build B]
//   fleet-bench-dispatch --backend URL --get PATH [--get PATH ...] [--requests 2000] [--duration 10]
//   fleet-bench-dispatch --backend URL --kill-probe PID --worker-id ID
//   fleet-bench-dispatch --summarize FILE
//
// Load, closed loop (the default): N clients, each a loop on its own kept-alive
// connection, POST /api/v1/<domain>/start for D seconds. Load, open loop
// (--rate R): R starts a second for D seconds, the i-th planned i/R after the
// start; each is sent on a free connection of a pool that grows up to
// --max-connections, and its latency counts from the planned time, so a slow
// answer is not hidden by the requests it held back (coordinated omission).
// Either way the load is followed by the drain (until nothing is queued,
// pending or running), with the backend's completed count (/health) read at
// the start of the load, at its end and at the end of the drain: completions
// a second during the load and during the drain, and with --backend-pid and
// --worker-pids the CPU time (/proc/PID/stat utime + stime) of those processes
// over load + drain per operation completed in that window. Then every
// acknowledged operation id is looked up (or a random 2,000 when there are too
// many); then --sequential round trips of one client: a start, then GET
// /api/v1/operations/{id} back to back until the operation is finished; then
// GET /api/v1/operations/{id} of a completed id from 32 clients.
// --get: only sequential GETs of each PATH, --requests each (or as many as
// --duration seconds allow), on one connection. Kill probe: sends SIGKILL to
// PID and polls GET /api/v1/workers/{id} back to back until it says
// TEMPORARILY_UNAVAILABLE; prints the time. --figures FILE appends the key
// figures as "build<TAB>label<TAB>name<TAB>value" lines; --summarize FILE
// prints their medians by label and name, a column a build.
//
// The client is a few lines of HTTP/1.1 on Asio rather than HttpClient: one
// connection per loop, no strand or timer per request, so the load generator
// costs as little CPU as possible on a machine it shares with the backend.
// Single-threaded; only talks to the URL it is given; every phase is bounded.
#include "bench/bench_options.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

// Asio's coroutine frames pair a sized operator delete with their own operator
// new; GCC 12 warns falsely (GCC bug 109224).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

namespace {

namespace asio = boost::asio;
namespace json = boost::json;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using boost::system::error_code;

constexpr auto kRequestTimeout = std::chrono::seconds(10);
constexpr const char* kLoopback = "127.0.0.1";  // where --backend must be

double ms_since(Clock::time_point start, Clock::time_point end = Clock::now()) {
    return std::chrono::duration<double, std::milli>(end - start).count();
}

// ---------------------------------------------------------------- options

struct Options {
    std::string backend = "http://127.0.0.1:8000";
    unsigned short port = 8000;  // of --backend, always on 127.0.0.1
    std::string token;
    std::string domain = "echo";
    std::string body = R"({"duration_ms": 0, "steps": 1})";
    int clients = 64;
    double duration = 10;
    int sequential = 500;
    int read_clients = 32;
    double read_duration = 10;
    std::size_t verify_all_up_to = 50'000;
    std::size_t verify_sample = 2'000;
    double drain_timeout = 60;
    std::string label = "dispatch";
    int kill_pid = 0;
    std::string worker_id;
    double rate = 0;  // starts a second; 0: closed loop with --clients
    std::size_t max_connections = 256;
    double late_after_ms = 1;
    int backend_pid = 0;
    std::vector<int> worker_pids;
    std::vector<std::string> gets;
    int requests = 2000;
    std::string figures;
    std::string build;  // names the build in --figures lines
    std::string summarize;
};

std::vector<int> pid_list(const std::string& text) {
    std::vector<int> pids;
    for (std::size_t pos = 0; pos < text.size();) {
        const auto comma = std::min(text.find(',', pos), text.size());
        if (const int pid = std::atoi(text.substr(pos, comma - pos).c_str()); pid > 0) pids.push_back(pid);
        pos = comma + 1;
    }
    return pids;
}

constexpr fleet::bench::Program kProgram{"fleet-bench-dispatch", "bench/dispatch_load.cpp"};

[[noreturn]] void usage(const char* why) { fleet::bench::usage(kProgram, why); }

Options parse_options(int argc, char** argv) {
    Options o;
    fleet::bench::read_options(kProgram, argc, argv, [&](std::string_view key, const std::string& value) {
        if (key == "--backend") o.backend = value;
        else if (key == "--token") o.token = value;
        else if (key == "--domain") o.domain = value;
        else if (key == "--body") o.body = value;
        else if (key == "--clients") o.clients = std::max(1, std::atoi(value.c_str()));
        else if (key == "--duration") o.duration = std::atof(value.c_str());
        else if (key == "--sequential") o.sequential = std::max(0, std::atoi(value.c_str()));
        else if (key == "--read-clients") o.read_clients = std::max(1, std::atoi(value.c_str()));
        else if (key == "--read-duration") o.read_duration = std::atof(value.c_str());
        else if (key == "--verify-all-up-to") o.verify_all_up_to = std::strtoull(value.c_str(), nullptr, 10);
        else if (key == "--drain-timeout") o.drain_timeout = std::atof(value.c_str());
        else if (key == "--label") o.label = value;
        else if (key == "--kill-probe") o.kill_pid = std::atoi(value.c_str());
        else if (key == "--worker-id") o.worker_id = value;
        else if (key == "--rate") o.rate = std::atof(value.c_str());
        else if (key == "--max-connections") o.max_connections = std::max<std::size_t>(1, std::strtoull(value.c_str(), nullptr, 10));
        else if (key == "--late-after-ms") o.late_after_ms = std::atof(value.c_str());
        else if (key == "--backend-pid") o.backend_pid = std::atoi(value.c_str());
        else if (key == "--worker-pids") o.worker_pids = pid_list(value);
        else if (key == "--get") o.gets.push_back(value);
        else if (key == "--requests") o.requests = std::max(1, std::atoi(value.c_str()));
        else if (key == "--figures") o.figures = value;
        else if (key == "--build") o.build = value;
        else if (key == "--summarize") o.summarize = value;
        else return false;
        return true;
    });
    o.port = fleet::bench::loopback_backend(kProgram, o.backend).port;
    return o;
}

// ---------------------------------------------------------------- client

struct Response {
    bool ok = false;
    int status = 0;
    std::string body;
    std::string error;
};

bool iequals_prefix(std::string_view text, std::string_view prefix) {
    if (text.size() < prefix.size()) return false;
    for (std::size_t i = 0; i < prefix.size(); ++i)
        if (std::tolower(static_cast<unsigned char>(text[i])) != prefix[i]) return false;
    return true;
}

// One kept-alive HTTP/1.1 connection; requests on it are strictly sequential.
class Connection {
public:
    Connection(asio::io_context& io, tcp::endpoint endpoint) : socket_(io), endpoint_(endpoint) {}

    Clock::time_point deadline = Clock::time_point::max();

    // Called by the watchdog: a request past its deadline has its socket closed.
    void expire(Clock::time_point now) {
        if (now < deadline) return;
        timed_out_ = true;
        error_code ignored;
        socket_.close(ignored);
    }

    asio::awaitable<Response> exchange(const std::string& request) {
        Response r;
        error_code ec;
        timed_out_ = false;
        deadline = Clock::now() + kRequestTimeout;
        if (!connected_) {
            buffer_.clear();
            co_await socket_.async_connect(endpoint_, asio::redirect_error(asio::use_awaitable, ec));
            if (ec) co_return fail(r, "connect", ec);
            socket_.set_option(tcp::no_delay(true), ec);
            connected_ = true;
        }
        co_await asio::async_write(socket_, asio::buffer(request), asio::redirect_error(asio::use_awaitable, ec));
        if (ec) co_return fail(r, "write", ec);

        std::size_t header_end;
        while ((header_end = buffer_.find("\r\n\r\n")) == std::string::npos) {
            if (!co_await read_more(ec)) co_return fail(r, "read", ec);
        }
        const std::string_view head(buffer_.data(), header_end);
        if (head.size() < 12 || head.substr(0, 5) != "HTTP/") {
            r.error = "not an HTTP answer";
            close();
            co_return r;
        }
        r.status = std::atoi(head.data() + 9);
        std::size_t length = 0;
        bool have_length = false, close_after = false;
        for (std::size_t pos = head.find("\r\n"); pos != std::string_view::npos; pos = head.find("\r\n", pos + 2)) {
            const auto line = head.substr(pos + 2);
            if (iequals_prefix(line, "content-length:")) {
                length = std::strtoull(line.data() + 15, nullptr, 10);
                have_length = true;
            } else if (iequals_prefix(line, "connection: close")) {
                close_after = true;
            }
        }
        if (!have_length) {
            r.error = "answer without Content-Length";
            close();
            co_return r;
        }
        const std::size_t total = header_end + 4 + length;
        while (buffer_.size() < total) {
            if (!co_await read_more(ec)) co_return fail(r, "read body", ec);
        }
        r.body.assign(buffer_, header_end + 4, length);
        buffer_.erase(0, total);
        if (close_after) close();
        r.ok = true;
        deadline = Clock::time_point::max();
        co_return r;
    }

private:
    asio::awaitable<bool> read_more(error_code& ec) {
        const std::size_t n =
            co_await socket_.async_read_some(asio::buffer(chunk_), asio::redirect_error(asio::use_awaitable, ec));
        if (ec) co_return false;
        buffer_.append(chunk_.data(), n);
        co_return true;
    }

    Response& fail(Response& r, const char* what, const error_code& ec) {
        r.error = std::string(what) + ": " + (timed_out_ ? std::string("timed out") : ec.message());
        close();
        deadline = Clock::time_point::max();
        return r;
    }

    void close() {
        error_code ignored;
        socket_.close(ignored);
        connected_ = false;
        buffer_.clear();
    }

    tcp::socket socket_;
    tcp::endpoint endpoint_;
    std::string buffer_;
    std::array<char, 16 * 1024> chunk_{};
    bool connected_ = false;
    bool timed_out_ = false;
};

// Owns the io_context, the connections and the watchdog that enforces deadlines.
class Harness {
public:
    explicit Harness(const Options& o) : options_(o), endpoint_(asio::ip::make_address_v4(kLoopback), o.port) {}

    asio::io_context io{1};

    Connection& connection(std::size_t i) {
        while (connections_.size() <= i) connections_.push_back(std::make_unique<Connection>(io, endpoint_));
        return *connections_[i];
    }

    std::string request(std::string_view method, std::string_view target, std::string_view body = {}) const {
        std::string r;
        r.reserve(256 + body.size());
        r.append(method).append(" ").append(target).append(" HTTP/1.1\r\nHost: ");
        r.append(kLoopback).append(":").append(std::to_string(options_.port)).append("\r\n");
        if (!options_.token.empty()) r.append("Authorization: Bearer ").append(options_.token).append("\r\n");
        if (!body.empty() || method == "POST") {
            r.append("Content-Type: application/json\r\nContent-Length: ").append(std::to_string(body.size()));
            r.append("\r\n");
        }
        r.append("\r\n").append(body);
        return r;
    }

    // Runs `workers` copies of `loop(index)` to completion, with the watchdog.
    template <typename Loop>
    void run(int workers, Loop loop) {
        int active = workers;
        for (int i = 0; i < workers; ++i) {
            asio::co_spawn(io, [&, i]() -> asio::awaitable<void> {
                co_await loop(i);
                --active;
            }, asio::detached);
        }
        asio::co_spawn(io, [&]() -> asio::awaitable<void> {
            asio::steady_timer timer(io);
            while (active > 0) {
                timer.expires_after(std::chrono::milliseconds(50));
                co_await timer.async_wait(asio::use_awaitable);
                const auto now = Clock::now();
                for (auto& c : connections_) c->expire(now);
            }
        }, asio::detached);
        io.run();
        io.restart();
    }

    // One request on connection 0, run to completion.
    Response once(const std::string& request) {
        Response out;
        run(1, [&](int) -> asio::awaitable<void> { out = co_await connection(0).exchange(request); });
        return out;
    }

    void pause(std::chrono::milliseconds how_long) {
        asio::steady_timer timer(io, how_long);
        timer.wait();
    }

private:
    const Options& options_;
    tcp::endpoint endpoint_;
    std::vector<std::unique_ptr<Connection>> connections_;
};

asio::awaitable<void> sleep_for(std::chrono::milliseconds how_long) {
    asio::steady_timer timer(co_await asio::this_coro::executor, how_long);
    co_await timer.async_wait(asio::use_awaitable);
}

// ---------------------------------------------------------------- statistics

struct Latencies {
    std::vector<double> ms;

    double quantile(double q) {
        if (ms.empty()) return 0;
        std::sort(ms.begin(), ms.end());
        const auto index = static_cast<std::size_t>(q * static_cast<double>(ms.size() - 1) + 0.5);
        return ms[std::min(index, ms.size() - 1)];
    }
    double max() { return ms.empty() ? 0 : *std::max_element(ms.begin(), ms.end()); }
};

struct Tally {
    Latencies latency;
    std::size_t s200 = 0, s202 = 0, errors = 0;
    std::map<int, std::size_t> other;  // other HTTP statuses
    std::map<std::string, std::size_t> error_kinds;
    std::vector<std::string> ids;

    void record(const Response& r, double ms) {
        if (!r.ok) {
            ++errors;
            ++error_kinds[r.error];
            return;
        }
        latency.ms.push_back(ms);
        if (r.status == 200) ++s200;
        else if (r.status == 202) ++s202;
        else ++other[r.status];
        if (r.status == 200 || r.status == 202) {
            error_code ec;
            auto body = json::parse(r.body, ec);
            const json::value* id = (!ec && body.is_object()) ? body.as_object().if_contains("operation_id") : nullptr;
            if (id && id->is_string()) ids.emplace_back(id->get_string());
            else ++error_kinds["acknowledged without operation_id"];
        }
    }

    std::string describe_failures() const {
        std::string out;
        for (const auto& [status, count] : other) out += ", HTTP " + std::to_string(status) + ": " + std::to_string(count);
        for (const auto& [kind, count] : error_kinds) out += ", " + kind + ": " + std::to_string(count);
        return out;
    }
};

// Appends one key figure for --summarize: build, label, name, value.
void figure(const Options& o, const std::string& name, double value) {
    if (o.figures.empty()) return;
    std::ofstream(o.figures, std::ios::app) << o.build << '\t' << o.label << '\t' << name << '\t' << value << '\n';
}

double median(std::vector<double> values) {
    if (values.empty()) return 0;
    std::sort(values.begin(), values.end());
    const auto n = values.size();
    return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

std::string compact(double value) {
    char text[32];
    std::snprintf(text, sizeof text, std::abs(value) >= 100 ? "%.0f" : "%.3g", value);
    return text;
}

// ---------------------------------------------------------------- phases

struct Dispatched {
    double seconds = 0;
    double ops_per_second = 0;
    double p50 = 0, p99 = 0;
    std::vector<std::string> ids;
};

Dispatched load_phase(Harness& h, const Options& o) {
    const std::string request = h.request("POST", "/api/v1/" + o.domain + "/start", o.body);
    std::vector<Tally> tallies(static_cast<std::size_t>(o.clients));
    const auto start = Clock::now();
    const auto end = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o.duration));
    h.run(o.clients, [&](int i) -> asio::awaitable<void> {
        auto& c = h.connection(static_cast<std::size_t>(i));
        auto& tally = tallies[static_cast<std::size_t>(i)];
        while (Clock::now() < end) {
            const auto t0 = Clock::now();
            const auto r = co_await c.exchange(request);
            tally.record(r, ms_since(t0));
            if (!r.ok) co_await sleep_for(std::chrono::milliseconds(10));  // no hot loop on a refused connect
        }
    });
    const double seconds = ms_since(start) / 1000;
    Tally all;
    for (auto& t : tallies) {
        all.latency.ms.insert(all.latency.ms.end(), t.latency.ms.begin(), t.latency.ms.end());
        all.s200 += t.s200;
        all.s202 += t.s202;
        all.errors += t.errors;
        for (const auto& [k, v] : t.other) all.other[k] += v;
        for (const auto& [k, v] : t.error_kinds) all.error_kinds[k] += v;
        all.ids.insert(all.ids.end(), t.ids.begin(), t.ids.end());
    }
    Dispatched d;
    d.seconds = seconds;
    d.ops_per_second = static_cast<double>(all.ids.size()) / seconds;
    d.p50 = all.latency.quantile(0.50);
    d.p99 = all.latency.quantile(0.99);
    std::printf("%s load: %.0f acknowledged ops/s over %.1f s, %d clients; start call p50 %.2f ms, p99 %.2f ms, "
                "max %.2f ms; 200: %zu, 202: %zu, errors: %zu%s\n",
                o.label.c_str(), d.ops_per_second, seconds, o.clients, d.p50, d.p99, all.latency.max(), all.s200,
                all.s202, all.errors, all.describe_failures().c_str());
    d.ids = std::move(all.ids);
    std::fflush(stdout);
    return d;
}

// --rate R for --duration D: the i-th start is due i/R after the first. Each
// due start takes a free connection, or opens one while fewer than
// --max-connections are open; its latency counts from when it was due.
Dispatched open_loop_phase(Harness& h, const Options& o) {
    const std::string request = h.request("POST", "/api/v1/" + o.domain + "/start", o.body);
    const auto total = static_cast<std::size_t>(o.rate * o.duration);
    const std::chrono::duration<double> period(1 / o.rate);
    Tally tally;
    Latencies lateness;
    std::size_t late = 0, opened = 0, in_flight = 0;
    std::vector<std::size_t> free;
    asio::steady_timer freed(h.io, Clock::time_point::max());  // cancelled whenever a request ends
    const auto start = Clock::now() + std::chrono::milliseconds(10);
    h.run(1, [&](int) -> asio::awaitable<void> {
        asio::steady_timer due(h.io);
        error_code ec;
        for (std::size_t i = 0; i < total; ++i) {
            const auto planned = start + std::chrono::duration_cast<Clock::duration>(period * static_cast<double>(i));
            if (Clock::now() < planned) {
                due.expires_at(planned);
                co_await due.async_wait(asio::redirect_error(asio::use_awaitable, ec));
            }
            while (free.empty() && opened >= o.max_connections) {
                freed.expires_at(Clock::time_point::max());
                co_await freed.async_wait(asio::redirect_error(asio::use_awaitable, ec));
            }
            std::size_t index = opened;
            if (free.empty()) ++opened;
            else index = free.back(), free.pop_back();
            const double behind = ms_since(planned);
            lateness.ms.push_back(behind);
            if (behind > o.late_after_ms) ++late;
            ++in_flight;
            asio::co_spawn(h.io, [&, index, planned]() -> asio::awaitable<void> {
                const auto r = co_await h.connection(index).exchange(request);
                tally.record(r, ms_since(planned));
                free.push_back(index);
                --in_flight;
                freed.cancel();
            }, asio::detached);
        }
        while (in_flight > 0) {
            freed.expires_at(Clock::time_point::max());
            co_await freed.async_wait(asio::redirect_error(asio::use_awaitable, ec));
        }
    });
    Dispatched d;
    d.seconds = ms_since(start) / 1000;
    d.ops_per_second = static_cast<double>(tally.ids.size()) / d.seconds;
    d.p50 = tally.latency.quantile(0.50);
    d.p99 = tally.latency.quantile(0.99);
    const double max = tally.latency.max();
    std::printf("%s: %.0f starts/s planned for %.0f s, %zu sent, %.0f acknowledged/s; start call from its "
                "planned time p50 %.2f ms, p99 %.2f ms, max %.2f ms (target p50 <= 1, p99 <= 5); sent late (> %.1f ms "
                "after planned) %zu, most behind %.2f ms; %zu connections; 200: %zu, 202: %zu, errors: %zu%s\n",
                o.label.c_str(), o.rate, o.duration, total, d.ops_per_second, d.p50, d.p99, max, o.late_after_ms, late,
                lateness.max(), opened, tally.s200, tally.s202, tally.errors, tally.describe_failures().c_str());
    figure(o, "open_loop_start_p50_ms", d.p50);
    figure(o, "open_loop_start_p99_ms", d.p99);
    figure(o, "open_loop_start_max_ms", max);
    figure(o, "open_loop_sent_late", static_cast<double>(late));
    d.ids = std::move(tally.ids);
    std::fflush(stdout);
    return d;
}

// The backend's own /health: queue depth and operations by status.
struct BackendCounts {
    bool ok = false;
    std::int64_t queue_depth = 0, pending = 0, running = 0, completed = 0;
};

BackendCounts backend_counts(Harness& h) {
    BackendCounts out;
    const auto r = h.once(h.request("GET", "/health"));
    if (!r.ok || r.status != 200) return out;
    error_code ec;
    auto body = json::parse(r.body, ec);
    if (ec || !body.is_object()) return out;
    const auto& o = body.as_object();
    const auto number = [](const json::value* v) { return v && v->is_int64() ? v->get_int64() : 0; };
    out.queue_depth = number(o.if_contains("queue_depth"));
    if (const auto* ops = o.if_contains("operations"); ops && ops->is_object()) {
        out.pending = number(ops->as_object().if_contains("pending"));
        out.running = number(ops->as_object().if_contains("running"));
        out.completed = number(ops->as_object().if_contains("completed"));
    }
    out.ok = true;
    return out;
}

// CPU seconds (user + system) a process has used so far: /proc/PID/stat fields
// 14 and 15, in clock ticks; 0 when it is gone.
double cpu_seconds(int pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    if (!std::getline(in, line)) return 0;
    // Field 2, the command name in parentheses, may hold spaces; the fields after it do not.
    const auto paren = line.rfind(')');
    if (paren == std::string::npos) return 0;
    std::istringstream rest(line.substr(paren + 1));
    std::string field;
    double ticks = 0;
    for (int i = 3; i <= 15 && rest >> field; ++i)
        if (i >= 14) ticks += std::strtod(field.c_str(), nullptr);
    return ticks / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

// The backend's counts and the CPU used so far by the processes measured.
struct Snapshot {
    Clock::time_point at;
    BackendCounts counts;
    double backend_cpu = 0, workers_cpu = 0;
};

Snapshot snapshot(Harness& h, const Options& o) {
    Snapshot s;
    s.counts = backend_counts(h);
    s.at = Clock::now();
    if (o.backend_pid > 0) s.backend_cpu = cpu_seconds(o.backend_pid);
    for (const int pid : o.worker_pids) s.workers_cpu += cpu_seconds(pid);
    return s;
}

bool busy(const BackendCounts& c) { return c.queue_depth > 0 || c.pending > 0 || c.running > 0; }

struct Drained {
    bool finished = false;
    Snapshot end;  // when it finished, or gave up
};

// Waits until nothing is queued, pending or running; prints how long it took.
Drained drain_phase(Harness& h, const Options& o, const Snapshot& load_end) {
    Drained d;
    d.end = load_end;
    while (d.end.counts.ok && busy(d.end.counts) && ms_since(load_end.at) < o.drain_timeout * 1000) {
        h.pause(std::chrono::milliseconds(50));
        d.end = snapshot(h, o);
    }
    const auto& first = load_end.counts;
    std::printf("%s drain: at the end of the load %lld queued, %lld pending, %lld running; ", o.label.c_str(),
                static_cast<long long>(first.queue_depth), static_cast<long long>(first.pending),
                static_cast<long long>(first.running));
    const auto& now = d.end.counts;
    if (!now.ok) std::printf("backend /health did not answer\n");
    else if (busy(now))
        std::printf("still %lld queued, %lld pending, %lld running after %.0f s\n",
                    static_cast<long long>(now.queue_depth), static_cast<long long>(now.pending),
                    static_cast<long long>(now.running), o.drain_timeout);
    else
        std::printf("all finished %.2f s after the load\n", ms_since(load_end.at, d.end.at) / 1000);
    d.finished = now.ok && !busy(now);
    std::fflush(stdout);
    return d;
}

// Completions a second while the load lasted and while the queue drained, and
// the CPU each completed operation cost the backend and the workers.
void report_window(const Options& o, const Snapshot& start, const Snapshot& load_end, const Drained& drained) {
    const auto& end = drained.end;
    if (!start.counts.ok || !load_end.counts.ok || !end.counts.ok) {
        std::printf("%s completion: backend /health did not answer\n", o.label.c_str());
        return;
    }
    const auto during_load = load_end.counts.completed - start.counts.completed;
    const auto during_drain = end.counts.completed - load_end.counts.completed;
    const double load_seconds = ms_since(start.at, load_end.at) / 1000;
    const double drain_seconds = ms_since(load_end.at, end.at) / 1000;
    const double load_rate = static_cast<double>(during_load) / load_seconds;
    const double drain_rate = drain_seconds > 0 ? static_cast<double>(during_drain) / drain_seconds : 0;
    std::printf("%s completion: %.0f ops/s while the load lasted (%lld in %.1f s), %.0f ops/s while draining "
                "(%lld in %.2f s, from %lld queued)",
                o.label.c_str(), load_rate, static_cast<long long>(during_load), load_seconds, drain_rate,
                static_cast<long long>(during_drain), drain_seconds, static_cast<long long>(load_end.counts.queue_depth));
    figure(o, "completed_per_s_during_load", load_rate);
    // Without a backlog the drain is only the last few operations in flight: no rate to compare with.
    if (!drained.finished) std::printf("; load/drain: the queue did not drain\n");
    else if (load_end.counts.queue_depth == 0 || drain_rate <= 0) std::printf("; load/drain: no backlog at the end of the load\n");
    else {
        std::printf("; load/drain %.0f%% (target >= 90%%)\n", 100 * load_rate / drain_rate);
        figure(o, "completed_per_s_draining", drain_rate);
        figure(o, "load_to_drain_rate_pct", 100 * load_rate / drain_rate);
    }
    const auto completed = end.counts.completed - start.counts.completed;
    if ((o.backend_pid > 0 || !o.worker_pids.empty()) && completed > 0) {
        const double seconds = load_seconds + drain_seconds;
        const double backend = end.backend_cpu - start.backend_cpu, workers = end.workers_cpu - start.workers_cpu;
        const double backend_us = backend * 1e6 / static_cast<double>(completed);
        const double workers_us = workers * 1e6 / static_cast<double>(completed);
        std::printf("%s cpu: backend %.0f us per completed op (target <= 120), workers %.0f us per op (target <= 100), "
                    "over load + drain (%.1f s, %lld completed); backend %.2f cores, %zu workers %.2f cores\n",
                    o.label.c_str(), backend_us, workers_us, seconds, static_cast<long long>(completed),
                    backend / seconds, o.worker_pids.size(), workers / seconds);
        if (o.backend_pid > 0) figure(o, "backend_cpu_us_per_op", backend_us);
        if (!o.worker_pids.empty()) figure(o, "workers_cpu_us_per_op", workers_us);
    }
    std::fflush(stdout);
}

struct Verified {
    std::size_t checked = 0, found = 0;
    std::string completed_id;
};

// Every acknowledged id must be known to the backend.
Verified verify_phase(Harness& h, const Options& o, const std::vector<std::string>& ids) {
    std::vector<std::string> sample = ids;
    const bool all = sample.size() <= o.verify_all_up_to;
    if (!all) {
        std::mt19937_64 random(std::random_device{}());
        std::shuffle(sample.begin(), sample.end(), random);
        sample.resize(o.verify_sample);
    }
    Verified v;
    std::map<std::string, std::size_t> statuses;
    std::size_t missing = 0, errors = 0;
    std::string first_problem;
    std::size_t next = 0;
    const auto start = Clock::now();
    h.run(std::min<int>(32, static_cast<int>(std::max<std::size_t>(1, sample.size()))), [&](int i) -> asio::awaitable<void> {
        auto& c = h.connection(static_cast<std::size_t>(i));
        while (next < sample.size()) {
            const std::string id = sample[next++];
            const auto r = co_await c.exchange(h.request("GET", "/api/v1/operations/" + id));
            ++v.checked;
            if (!r.ok) {
                ++errors;
                if (first_problem.empty()) first_problem = id + ": " + r.error;
                continue;
            }
            if (r.status == 404) {
                ++missing;
                if (first_problem.empty()) first_problem = id + ": 404";
                continue;
            }
            error_code ec;
            auto body = json::parse(r.body, ec);
            const json::value* data = (!ec && body.is_object()) ? body.as_object().if_contains("data") : nullptr;
            const json::value* got = data && data->is_object() ? data->as_object().if_contains("operation_id") : nullptr;
            const json::value* status = data && data->is_object() ? data->as_object().if_contains("status") : nullptr;
            if (r.status != 200 || !got || !got->is_string() || got->get_string() != id) {
                ++errors;
                if (first_problem.empty()) first_problem = id + ": HTTP " + std::to_string(r.status) + " " + r.body.substr(0, 200);
                continue;
            }
            ++v.found;
            const std::string word = status && status->is_string() ? std::string(status->get_string()) : "?";
            ++statuses[word];
            if (word == "completed" && v.completed_id.empty()) v.completed_id = id;
        }
    });
    std::string breakdown;
    for (const auto& [word, count] : statuses) breakdown += (breakdown.empty() ? "" : ", ") + word + " " + std::to_string(count);
    std::printf("%s check: found %zu of %zu %s (%zu acknowledged) in %.1f s; missing (404) %zu, errors %zu; "
                "statuses: %s%s%s\n",
                o.label.c_str(), v.found, v.checked, all ? "checked (all)" : "checked (random sample)", ids.size(),
                ms_since(start) / 1000, missing, errors, breakdown.empty() ? "-" : breakdown.c_str(),
                first_problem.empty() ? "" : "; first problem: ", first_problem.c_str());
    std::fflush(stdout);
    return v;
}

// body[key], or body[outer][key] with an outer key; empty when it is not a string.
std::string json_string(const std::string& body, std::string_view key, std::string_view outer = {}) {
    error_code ec;
    auto parsed = json::parse(body, ec);
    if (ec || !parsed.is_object()) return {};
    const json::object* object = &parsed.as_object();
    if (!outer.empty()) {
        const auto* inner = object->if_contains(outer);
        if (!inner || !inner->is_object()) return {};
        object = &inner->as_object();
    }
    const auto* value = object->if_contains(key);
    return value && value->is_string() ? std::string(value->get_string()) : std::string();
}

bool finished(std::string_view status) { return status == "completed" || status == "failed" || status == "cancelled"; }

// One client: a start, then GET /api/v1/operations/{id} back to back until the
// operation is finished; the time from the start's send to the GET that says so.
void sequential_phase(Harness& h, const Options& o) {
    if (o.sequential <= 0) return;
    const std::string start_request = h.request("POST", "/api/v1/" + o.domain + "/start", o.body);
    Latencies start_call, round_trip;
    std::size_t polls = 0, failures = 0;
    std::string first_problem;
    const auto failed = [&](std::string problem) {
        ++failures;
        if (first_problem.empty()) first_problem = std::move(problem);
    };
    h.run(1, [&](int) -> asio::awaitable<void> {
        auto& c = h.connection(0);
        for (int i = 0; i < o.sequential; ++i) {
            const auto t0 = Clock::now();
            const auto started = co_await c.exchange(start_request);
            const std::string id = started.ok ? json_string(started.body, "operation_id") : "";
            if (id.empty() || (started.status != 200 && started.status != 202)) {
                failed("start: " + (started.ok ? "HTTP " + std::to_string(started.status) : started.error));
                continue;
            }
            start_call.ms.push_back(ms_since(t0));
            const std::string get = h.request("GET", "/api/v1/operations/" + id);
            std::string status;
            while (!finished(status) && ms_since(t0) < 10'000) {
                const auto r = co_await c.exchange(get);
                ++polls;
                status = r.ok && r.status == 200 ? json_string(r.body, "status", "data") : "";
            }
            if (status == "completed") round_trip.ms.push_back(ms_since(t0));
            else failed(id + ": " + (status.empty() ? "not finished after 10 s" : status));
        }
    });
    const auto trips = round_trip.ms.size();
    std::printf("%s sequential: start + GET until completed p50 %.3f ms, p99 %.3f ms, max %.3f ms; the start call "
                "alone p50 %.3f ms, p99 %.3f ms (%zu of %d round trips, 1 client, %.1f GETs each; failures %zu%s%s)\n",
                o.label.c_str(), round_trip.quantile(0.5), round_trip.quantile(0.99), round_trip.max(),
                start_call.quantile(0.5), start_call.quantile(0.99), trips, o.sequential,
                static_cast<double>(polls) / static_cast<double>(std::max<std::size_t>(1, start_call.ms.size())),
                failures, first_problem.empty() ? "" : "; first: ", first_problem.c_str());
    figure(o, "sequential_round_trip_p50_ms", round_trip.quantile(0.5));
    figure(o, "sequential_round_trip_p99_ms", round_trip.quantile(0.99));
    std::fflush(stdout);
}

void read_phase(Harness& h, const Options& o, const std::string& id) {
    if (o.read_duration <= 0) return;
    if (id.empty()) {
        std::printf("get operation: skipped (no completed operation to read)\n");
        return;
    }
    const std::string request = h.request("GET", "/api/v1/operations/" + id);
    std::vector<Tally> tallies(static_cast<std::size_t>(o.read_clients));
    const auto start = Clock::now();
    const auto end = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o.read_duration));
    h.run(o.read_clients, [&](int i) -> asio::awaitable<void> {
        auto& c = h.connection(static_cast<std::size_t>(i));
        auto& tally = tallies[static_cast<std::size_t>(i)];
        while (Clock::now() < end) {
            const auto t0 = Clock::now();
            const auto r = co_await c.exchange(request);
            if (!r.ok) ++tally.errors, ++tally.error_kinds[r.error];
            else if (r.status == 200) ++tally.s200, tally.latency.ms.push_back(ms_since(t0));
            else ++tally.other[r.status];
            if (!r.ok) co_await sleep_for(std::chrono::milliseconds(10));
        }
    });
    const double seconds = ms_since(start) / 1000;
    Tally all;
    for (auto& t : tallies) {
        all.latency.ms.insert(all.latency.ms.end(), t.latency.ms.begin(), t.latency.ms.end());
        all.s200 += t.s200;
        all.errors += t.errors;
        for (const auto& [k, v] : t.other) all.other[k] += v;
        for (const auto& [k, v] : t.error_kinds) all.error_kinds[k] += v;
    }
    std::printf("get operation: %.0f req/s, p50 %.3f ms, p99 %.3f ms, max %.2f ms (%d clients, %.1f s, id %s; "
                "200: %zu, errors: %zu%s)\n",
                static_cast<double>(all.s200) / seconds, all.latency.quantile(0.5), all.latency.quantile(0.99),
                all.latency.max(), o.read_clients, seconds, id.c_str(), all.s200, all.errors,
                all.describe_failures().c_str());
    std::fflush(stdout);
}

// --get PATH: --requests sequential GETs of each path on one connection, for
// --duration seconds at most.
int get_phase(Harness& h, const Options& o) {
    bool all_ok = true;
    for (const auto& path : o.gets) {
        const std::string request = h.request("GET", path);
        Tally tally;
        std::size_t bytes = 0;
        int sent = 0;
        const auto start = Clock::now();
        h.run(1, [&](int) -> asio::awaitable<void> {
            auto& c = h.connection(0);
            for (; sent < o.requests && ms_since(start) < o.duration * 1000; ++sent) {
                const auto t0 = Clock::now();
                const auto r = co_await c.exchange(request);
                if (!r.ok) ++tally.errors, ++tally.error_kinds[r.error];
                else if (r.status == 200) ++tally.s200, tally.latency.ms.push_back(ms_since(t0)), bytes = r.body.size();
                else ++tally.other[r.status];
            }
        });
        std::printf("%s GET %s: p50 %.3f ms, p99 %.3f ms, max %.2f ms (%d sequential requests%s, 1 client; 200: %zu, "
                    "errors: %zu%s; answer %zu bytes)\n",
                    o.label.c_str(), path.c_str(), tally.latency.quantile(0.5), tally.latency.quantile(0.99),
                    tally.latency.max(), sent, sent < o.requests ? " (the time ran out)" : "", tally.s200, tally.errors,
                    tally.describe_failures().c_str(), bytes);
        figure(o, "GET " + path + " p50_ms", tally.latency.quantile(0.5));
        figure(o, "GET " + path + " p99_ms", tally.latency.quantile(0.99));
        all_ok = all_ok && tally.s200 == static_cast<std::size_t>(sent);
        std::fflush(stdout);
    }
    return all_ok ? 0 : 1;
}

// ---------------------------------------------------------------- kill probe

int kill_probe(Harness& h, const Options& o) {
    if (o.worker_id.empty()) usage("--kill-probe needs --worker-id");
    const std::string request = h.request("GET", "/api/v1/workers/" + o.worker_id);
    const auto before = h.once(request);
    if (!before.ok || before.status != 200 || before.body.find("\"AVAILABLE\"") == std::string::npos) {
        std::fprintf(stderr, "kill-probe: worker %s is not AVAILABLE before the kill: %s\n", o.worker_id.c_str(),
                     before.ok ? before.body.c_str() : before.error.c_str());
        return 1;
    }
    std::size_t polls = 0;
    bool seen = false;
    double elapsed = 0;
    std::string last;
    h.run(1, [&](int) -> asio::awaitable<void> {
        auto& c = h.connection(0);
        const auto killed = Clock::now();
        if (::kill(o.kill_pid, SIGKILL) != 0) {
            last = "kill failed";
            co_return;
        }
        while (ms_since(killed) < 30'000) {
            const auto r = co_await c.exchange(request);
            ++polls;
            if (r.ok && r.body.find("\"TEMPORARILY_UNAVAILABLE\"") != std::string::npos) {
                elapsed = ms_since(killed);
                seen = true;
                co_return;
            }
            last = r.ok ? r.body.substr(0, 200) : r.error;
        }
    });
    if (!seen) {
        std::printf("kill-probe: not TEMPORARILY_UNAVAILABLE within 30 s (%zu polls; last: %s)\n", polls, last.c_str());
        return 1;
    }
    std::printf("kill-probe: %.3f ms (%zu polls)\n", elapsed, polls);
    return 0;
}

// ---------------------------------------------------------------- figures

// --summarize FILE: the median of each figure, by label and name, with one
// column a build, in the order they first appear.
int summarize(const std::string& path) {
    std::ifstream in(path);
    if (!in) {
        std::fprintf(stderr, "summarize: cannot read %s\n", path.c_str());
        return 1;
    }
    std::vector<std::string> keys, builds;  // "label: name", in order of first appearance
    std::map<std::string, std::map<std::string, std::vector<double>>> values;  // key -> build -> values
    std::string line;
    while (std::getline(in, line)) {
        std::array<std::string, 4> f;  // build, label, name, value
        std::size_t pos = 0;
        for (std::size_t i = 0; i < f.size(); ++i) {
            const auto tab = i + 1 < f.size() ? line.find('\t', pos) : line.size();
            if (tab == std::string::npos) break;
            f[i] = line.substr(pos, tab - pos);
            pos = tab + 1;
        }
        if (f[3].empty()) continue;
        const std::string key = f[1] + ": " + f[2];
        if (!values.count(key)) keys.push_back(key);
        if (std::find(builds.begin(), builds.end(), f[0]) == builds.end()) builds.push_back(f[0]);
        values[key][f[0]].push_back(std::strtod(f[3].c_str(), nullptr));
    }
    for (const auto& key : keys) {
        std::printf("%s:", key.c_str());
        for (const auto& build : builds) {
            auto it = values[key].find(build);
            if (it == values[key].end()) continue;
            const auto n = it->second.size();
            std::string all;
            for (const double v : it->second) all += (all.empty() ? "" : " ") + compact(v);
            std::printf("  %s %s (%zu run%s: %s)", build.empty() ? "median" : build.c_str(), compact(median(it->second)).c_str(),
                        n, n == 1 ? "" : "s", all.c_str());
        }
        std::printf("\n");
    }
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    const Options o = parse_options(argc, argv);
    if (!o.summarize.empty()) return summarize(o.summarize);
    Harness h(o);
    if (o.kill_pid > 0) return kill_probe(h, o);
    if (!o.gets.empty()) return get_phase(h, o);

    const auto load_start = snapshot(h, o);
    auto dispatched = o.rate > 0 ? open_loop_phase(h, o) : load_phase(h, o);
    const auto load_end = snapshot(h, o);
    const auto drained = drain_phase(h, o, load_end);
    report_window(o, load_start, load_end, drained);
    const auto verified = verify_phase(h, o, dispatched.ids);
    sequential_phase(h, o);
    read_phase(h, o, verified.completed_id);

    const std::size_t lost = verified.checked - verified.found;
    // Accepted: answered 200 or 202 during the load. Completed: all of those
    // run to the end, over the load plus the time the queue took to drain.
    char completed[64] = "?";
    if (drained.finished) {
        const double ops_per_second = static_cast<double>(dispatched.ids.size()) /
                                      (dispatched.seconds + ms_since(load_end.at, drained.end.at) / 1000);
        std::snprintf(completed, sizeof completed, "%.0f", ops_per_second);
        figure(o, "completed_ops_per_s", ops_per_second);
    }
    figure(o, "lost", static_cast<double>(lost));
    std::printf("%s: %.0f ops/s accepted, %s ops/s completed, p50 %.2f ms, p99 %.2f ms, lost %zu of %zu%s\n",
                o.label.c_str(), dispatched.ops_per_second, completed, dispatched.p50, dispatched.p99, lost,
                verified.checked, verified.checked == dispatched.ids.size() ? "" : " sampled");
    return lost == 0 ? 0 : 1;
}
