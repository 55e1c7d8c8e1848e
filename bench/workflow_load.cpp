// Load tool for the backend's workflows (scripts/bench_workflows drives it).
// Every workflow it submits has two echo steps, `one` then `two`.
//
//   fleet-bench-workflows --backend URL --rate 100 --duration 10 [--step-ms 0]
//       step-to-step latency: R workflows a second for D seconds (open loop), then for each
//       workflow step two's start on its worker minus step one's completion in the backend, and
//       minus step one's completion on its worker (ms resolution everywhere), and the backend's
//       own histogram (a metric whose name
//       holds "workflow_step_latency", read from GET /metrics before and after)
//   fleet-bench-workflows --backend URL --clients 16 --window 256 --duration 10
//       throughput: C clients submit while fewer than W workflows are in flight (closed
//       loop); workflows completed a second while the load lasts (the backend's count,
//       GET /api/v1/workflows?status=completed), then the audit
//   fleet-bench-workflows --backend URL --in-flight 1000 --step-ms 2000 --two-ms 2000 --state FILE
//       recovery, before the kill: submits N workflows, waits until their step one runs
//       on the workers, writes the workers and ids to FILE
//   fleet-bench-workflows --state FILE --await-ended 1|0
//       recovery, backend down: (1) waits until every step one has ended on its worker, or (0)
//       not; notes how many operations the workers hold, so that the next form counts step twos
//   fleet-bench-workflows --backend URL --state FILE --recover-from-ms T
//       recovery, after the restart (T: when the new process was started, ms since the epoch):
//       time until the backend answers, until every step two is on a worker, until every
//       workflow completed; then the audit
//   [--token T] [--label L] [--figures FILE] [--build B] on every form
//
// The audit: every workflow completed, every step in one attempt, and each
// attempt's operation id in exactly one worker's list, once
// (GET /api/v1/operations?limit=1000 on each worker). Only talks to 127.0.0.1;
// every wait is bounded.
#include "bench/bench_figures.hpp"
#include "bench/bench_options.hpp"
#include "common/http/client.hpp"
#include "common/json/time.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace {

namespace json = boost::json;
using Clock = std::chrono::steady_clock;
using fleet::http::BlockingHttpClient;
using fleet::bench::histogram_mean;
using fleet::bench::histogram_quantile;
using fleet::bench::ms_between;
using fleet::bench::quantile;
using fleet::bench::read_histogram;

constexpr fleet::bench::Program kProgram{"fleet-bench-workflows", "bench/workflow_load.cpp"};
constexpr auto kPoll = std::chrono::milliseconds(20);
constexpr auto kEndDeadline = std::chrono::seconds(120);

struct Options : fleet::bench::CommonOptions {
    Options() { label = "workflows"; }
    double rate = 0;
    double duration = 10;
    int clients = 0;
    int window = 256;
    int in_flight = 0;
    int step_ms = 0;
    int two_ms = -1;  // -1: as step one
    std::string state;
    bool backend_down = false;  // --await-ended given: the backend was killed
    bool await_ended = false;
    std::int64_t recover_from_ms = 0;
};

Options parse_options(int argc, char** argv) {
    Options o;
    fleet::bench::read_options(kProgram, argc, argv, [&](std::string_view key, const std::string& value) {
        if (o.take(kProgram, key, value)) return true;
        if (key == "--rate") o.rate = std::atof(value.c_str());
        else if (key == "--duration") o.duration = std::atof(value.c_str());
        else if (key == "--clients") o.clients = std::max(1, std::atoi(value.c_str()));
        else if (key == "--window") o.window = std::max(1, std::atoi(value.c_str()));
        else if (key == "--in-flight") o.in_flight = std::max(1, std::atoi(value.c_str()));
        else if (key == "--step-ms") o.step_ms = std::max(0, std::atoi(value.c_str()));
        else if (key == "--two-ms") o.two_ms = std::max(0, std::atoi(value.c_str()));
        else if (key == "--state") o.state = value;
        else if (key == "--await-ended") o.backend_down = true, o.await_ended = value != "0";
        else if (key == "--recover-from-ms") o.recover_from_ms = std::atoll(value.c_str());
        else return false;
        return true;
    });
    if (o.two_ms < 0) o.two_ms = o.step_ms;
    return o;
}

void figure(const Options& o, const std::string& name, double value) {
    fleet::bench::FigureFile{o.figures, o.build, o.label}.add(name, value);
}

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

std::int64_t epoch_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// ---------------------------------------------------------------- the backend and the workers

class Api {
public:
    explicit Api(const Options& o) : options_(o) {}

    std::optional<json::value> get(const std::string& url) {
        const auto response = client_.get(url, options_.token);
        if (!response.ok() || response.status != 200) return std::nullopt;
        boost::system::error_code ec;
        auto parsed = json::parse(response.body, ec);
        if (ec) return std::nullopt;
        return parsed;
    }

    std::optional<json::value> backend(const std::string& path) { return get(options_.backend + path); }

    // The workflow's id, or nothing when the backend did not take it.
    std::optional<std::string> submit(const std::string& body) {
        const auto response = client_.post(options_.backend + "/api/v1/workflows", body, options_.token);
        if (!response.ok() || response.status != 201) return std::nullopt;
        boost::system::error_code ec;
        const auto parsed = json::parse(response.body, ec);
        if (ec || !parsed.is_object() || !parsed.as_object().contains("workflow_id")) return std::nullopt;
        return std::string(parsed.at("workflow_id").as_string());
    }

    std::optional<json::object> workflow(const std::string& id) {
        auto body = backend("/api/v1/workflows/" + id);
        if (!body) return std::nullopt;
        return body->at("data").as_object();
    }

    // How many workflows the backend lists with `status`, or -1 when it does not answer.
    std::int64_t count(const std::string& status) {
        auto body = backend("/api/v1/workflows?limit=1&status=" + status);
        return body ? body->at("data").at("total").to_number<std::int64_t>() : -1;
    }

    std::vector<std::string> worker_urls() {
        std::vector<std::string> urls;
        if (auto body = backend("/api/v1/workers"))
            for (const auto& worker : body->as_array()) urls.emplace_back(worker.at("endpoint_url").as_string());
        return urls;
    }

    // Every operation the workers list, by id, as the worker shows it; `times` counts repeats.
    std::map<std::string, json::object> worker_operations(const std::vector<std::string>& urls,
                                                          std::map<std::string, int>& times) {
        std::map<std::string, json::object> out;
        for (const auto& url : urls) {
            for (std::size_t offset = 0, total = 1; offset < total; offset += 1000) {
                auto body = get(url + "/api/v1/operations?limit=1000&offset=" + std::to_string(offset));
                if (!body) break;
                total = body->at("data").at("total").to_number<std::size_t>();
                for (auto& operation : body->at("data").at("operations").as_array()) {
                    const std::string id(operation.at("operation_id").as_string());
                    ++times[id];
                    out[id] = operation.as_object();
                }
            }
        }
        return out;
    }

    // The sum over the workers of their operations with `status`, or -1 when one does not answer.
    std::int64_t worker_count(const std::vector<std::string>& urls, const std::string& status) {
        std::int64_t sum = 0;
        for (const auto& url : urls) {
            auto body = get(url + "/api/v1/operations?limit=1&status=" + status);
            if (!body) return -1;
            sum += body->at("data").at("total").to_number<std::int64_t>();
        }
        return sum;
    }

    std::string metrics() { return client_.get(options_.backend + "/metrics", options_.token).body; }

private:
    const Options& options_;
    BlockingHttpClient client_;
};

std::string two_step_workflow(const Options& o, std::size_t index) {
    const auto step = [](const char* name, int ms, json::array depends_on) {
        return json::object{{"name", name}, {"domain", "echo"},
                            {"parameters", {{"duration_ms", ms}, {"steps", 1}}}, {"depends_on", std::move(depends_on)}};
    };
    return json::serialize(json::object{
        {"name", o.label},
        {"inputs", {{"index", index}}},
        {"steps", json::array{step("one", o.step_ms, {}), step("two", o.two_ms, {"one"})}}});
}

std::string attempt(const std::string& workflow_id, const char* step, int n) {
    return workflow_id + "." + step + ".a" + std::to_string(n);
}

bool ended(std::string_view status) { return status == "completed" || status == "failed" || status == "cancelled"; }

// Waits until every workflow has ended (or the deadline); returns how many did not.
std::size_t wait_ended(Api& api, const std::vector<std::string>& ids) {
    const auto deadline = Clock::now() + kEndDeadline;
    std::size_t next = 0;
    while (next < ids.size() && Clock::now() < deadline) {
        const auto w = api.workflow(ids[next]);
        if (w && ended(w->at("status").as_string())) ++next;
        else std::this_thread::sleep_for(kPoll);
    }
    return ids.size() - next;
}

// Each workflow completed, each step in one attempt, each attempt once on one worker.
bool audit(Api& api, const Options& o, const std::vector<std::string>& ids) {
    std::map<std::string, int> times;
    const auto urls = api.worker_urls();
    api.worker_operations(urls, times);
    std::size_t completed = 0, missing = 0, twice = 0, retried = 0;
    std::string example;
    for (const auto& id : ids) {
        const auto w = api.workflow(id);
        if (w && w->at("status") == "completed") ++completed;
        else if (example.empty()) example = id + " is " + (w ? json::serialize(w->at("status")) : "unknown");
        for (const char* step : {"one", "two"}) {
            const auto it = times.find(attempt(id, step, 1));
            if (it == times.end()) ++missing;
            else if (it->second > 1) ++twice;
            if (times.contains(attempt(id, step, 2))) ++retried;
        }
    }
    const bool clean = completed == ids.size() && missing == 0 && twice == 0 && retried == 0;
    std::printf("%s audit: %zu workflows, %zu completed; attempts on %zu workers: %zu missing, %zu ran twice, "
                "%zu second attempts%s%s\n",
                o.label.c_str(), ids.size(), completed, urls.size(), missing, twice, retried,
                clean ? " (each completed exactly once)" : " -- NOT CLEAN", example.empty() ? "" : ("; " + example).c_str());
    figure(o, "audit_problems", static_cast<double>(ids.size() - completed + missing + twice + retried));
    return clean;
}

// Submits on `threads` threads; `planned(i)` is when workflow i goes (nullopt: as fast as it can).
template <typename Gate>
std::vector<std::string> submit_all(const Options& o, std::size_t count, int threads, Gate gate) {
    std::vector<std::string> ids;
    std::mutex mutex;
    std::atomic<std::size_t> next{0}, refused{0};
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t) {
        pool.emplace_back([&] {
            Api api(o);
            for (std::size_t i; (i = next++) < count;) {
                if (!gate(i)) break;
                if (auto id = api.submit(two_step_workflow(o, i))) {
                    std::lock_guard lock(mutex);
                    ids.push_back(*id);
                } else {
                    ++refused;
                }
            }
        });
    }
    for (auto& thread : pool) thread.join();
    if (refused > 0) std::printf("%s: %zu submits refused\n", o.label.c_str(), refused.load());
    return ids;
}

// ---------------------------------------------------------------- (a) step-to-step latency

std::string ms_summary(const std::vector<double>& values) {
    char text[128];
    std::snprintf(text, sizeof text, "p50 %.1f ms, p99 %.1f ms, max %.1f ms (%zu workflows)", quantile(values, 0.5),
                  quantile(values, 0.99), quantile(values, 1.0), values.size());
    return text;
}

int latency(const Options& o) {
    Api api(o);
    const auto before = read_histogram(api.metrics(), "workflow_step_latency");
    const auto count = static_cast<std::size_t>(o.rate * o.duration);
    const auto start = Clock::now();
    std::atomic<std::size_t> late{0};
    const auto ids = submit_all(o, count, 8, [&](std::size_t i) {
        const auto planned = start + std::chrono::duration_cast<Clock::duration>(
                                         std::chrono::duration<double>(static_cast<double>(i) / o.rate));
        if (Clock::now() > planned + std::chrono::milliseconds(10)) ++late;
        std::this_thread::sleep_until(planned);
        return true;
    });
    const double took = seconds_since(start);
    const auto unfinished = wait_ended(api, ids);
    std::printf("%s: %zu workflows submitted in %.1f s (%.0f/s planned, %zu sent more than 10 ms late), %zu unfinished\n",
                o.label.c_str(), ids.size(), took, o.rate, late.load(), unfinished);

    std::map<std::string, int> times;
    const auto on_workers = api.worker_operations(api.worker_urls(), times);
    std::vector<double> backend_side, worker_created, worker_started, worker_to_worker;
    for (const auto& id : ids) {
        const auto w = api.workflow(id);
        if (!w || w->at("status") != "completed") continue;
        json::object one, two;
        for (const auto& step : w->at("steps").as_array())
            (step.at("name") == "one" ? one : two) = step.as_object();
        backend_side.push_back(ms_between(one.at("completed_at"), two.at("started_at")));
        const auto it = on_workers.find(attempt(id, "two", 1));
        if (it == on_workers.end()) continue;
        worker_created.push_back(ms_between(one.at("completed_at"), it->second.at("created_at")));
        worker_started.push_back(ms_between(one.at("completed_at"), it->second.at("started_at")));
        // With the worker's notice of step one's end on the way: both times from the workers' clocks.
        if (const auto first = on_workers.find(attempt(id, "one", 1)); first != on_workers.end())
            worker_to_worker.push_back(ms_between(first->second.at("completed_at"), it->second.at("created_at")));
    }
    std::printf("%s step-to-step, backend's step two started_at - step one completed_at: %s\n", o.label.c_str(),
                ms_summary(backend_side).c_str());
    std::printf("%s step-to-step, worker's created_at of step two - backend's step one completed_at: %s\n",
                o.label.c_str(), ms_summary(worker_created).c_str());
    std::printf("%s step-to-step, worker's started_at of step two - backend's step one completed_at: %s\n",
                o.label.c_str(), ms_summary(worker_started).c_str());
    std::printf("%s step-to-step, worker's created_at of step two - worker's completed_at of step one: %s\n",
                o.label.c_str(), ms_summary(worker_to_worker).c_str());
    std::printf("%s: those times are whole milliseconds (floored) on both sides: a figure of 0-2 ms says 'about a "
                "millisecond', no finer\n", o.label.c_str());
    figure(o, "step_to_step_worker_p50_ms", quantile(worker_created, 0.5));
    figure(o, "step_to_step_worker_p99_ms", quantile(worker_created, 0.99));
    figure(o, "worker_to_worker_p50_ms", quantile(worker_to_worker, 0.5));
    figure(o, "worker_to_worker_p99_ms", quantile(worker_to_worker, 0.99));

    const auto after = read_histogram(api.metrics(), "workflow_step_latency");
    if (after.name.empty()) {
        std::printf("%s: GET /metrics has no metric named like 'workflow_step_latency'\n", o.label.c_str());
    } else {
        // Prometheus convention: a name ending in _seconds is in seconds.
        const double scale = after.name.ends_with("_seconds") ? 1000 : 1;
        const double n = after.count - before.count;
        const double mean = histogram_mean(before, after) * scale;
        const double p50 = histogram_quantile(before, after, 0.5) * scale;
        const double p99 = histogram_quantile(before, after, 0.99) * scale;
        std::printf("%s step-to-step, backend histogram %s: p50 %.3f ms, p99 %.3f ms, mean %.3f ms (%.0f observations, "
                    "interpolated within buckets)\n",
                    o.label.c_str(), after.name.c_str(), p50, p99, mean, n);
        figure(o, "step_to_step_histogram_p50_ms", p50);
        figure(o, "step_to_step_histogram_p99_ms", p99);
    }
    return unfinished == 0 ? 0 : 1;
}

// ---------------------------------------------------------------- (b) throughput

int throughput(const Options& o) {
    Api watcher(o);
    const auto completed_at_start = watcher.count("completed");
    std::atomic<std::int64_t> submitted{0}, done{completed_at_start + watcher.count("failed")};
    std::atomic<bool> stop{false};
    // One watcher keeps the count of ended workflows, which gates the submitters.
    std::thread watch([&] {
        Api api(o);
        while (!stop) {
            const auto c = api.count("completed"), f = api.count("failed");
            if (c >= 0 && f >= 0) done = c + f;
            std::this_thread::sleep_for(kPoll);
        }
    });
    const auto start = Clock::now();
    const auto deadline = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o.duration));
    const auto in_flight = [&] { return submitted - (done - completed_at_start); };
    const auto ids = submit_all(o, SIZE_MAX, o.clients, [&](std::size_t) {
        while (in_flight() >= o.window) {
            if (Clock::now() >= deadline) return false;
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
        if (Clock::now() >= deadline) return false;
        ++submitted;
        return true;
    });
    const double load_seconds = seconds_since(start);
    const auto completed_at_end = watcher.count("completed");
    stop = true;
    watch.join();
    const auto unfinished = wait_ended(watcher, ids);
    const double rate = static_cast<double>(completed_at_end - completed_at_start) / load_seconds;
    std::printf("%s: %zu workflows submitted by %d clients (at most %d in flight) in %.1f s; %.0f workflows completed/s "
                "while the load lasted (%zu unfinished after it)\n",
                o.label.c_str(), ids.size(), o.clients, o.window, load_seconds, rate, unfinished);
    figure(o, "completed_workflows_per_s", rate);
    return audit(watcher, o, ids) && unfinished == 0 ? 0 : 1;
}

// ---------------------------------------------------------------- (c) recovery

struct State {
    std::vector<std::string> workers;
    std::vector<std::string> ids;
    std::int64_t baseline = 0;  // operations the workers held (running or completed) with the backend down
};

void write_state(const std::string& path, const State& s) {
    std::ofstream out(path);
    for (const auto& url : s.workers) out << "worker " << url << '\n';
    out << "baseline " << s.baseline << '\n';
    for (const auto& id : s.ids) out << "id " << id << '\n';
}

State read_state(const std::string& path) {
    State s;
    std::ifstream in(path);
    std::string key, value;
    while (in >> key >> value) {
        if (key == "worker") s.workers.push_back(value);
        else if (key == "baseline") s.baseline = std::atoll(value.c_str());
        else if (key == "id") s.ids.push_back(value);
    }
    if (s.ids.empty() || s.workers.empty()) fleet::bench::usage(kProgram, "--state " + path + " holds no workflows");
    return s;
}

// "1.234 s", or "never" for a wait that ran out.
std::string seconds_text(const std::optional<double>& seconds) {
    if (!seconds) return "never (" + std::to_string(kEndDeadline.count()) + " s)";
    char text[32];
    std::snprintf(text, sizeof text, "%.3f s", *seconds);
    return text;
}

// Polls `reached` until it holds; the seconds it took, or nothing past the deadline.
template <typename Reached>
std::optional<double> time_until(Reached reached, std::chrono::seconds deadline = kEndDeadline) {
    const auto start = Clock::now();
    while (!reached()) {
        if (Clock::now() - start > deadline) return std::nullopt;
        std::this_thread::sleep_for(kPoll);
    }
    return seconds_since(start);
}

int recovery_submit(const Options& o) {
    Api api(o);
    State s;
    s.workers = api.worker_urls();
    const auto start = Clock::now();
    s.ids = submit_all(o, static_cast<std::size_t>(o.in_flight), 16, [](std::size_t) { return true; });
    const double submitted = seconds_since(start);
    const auto running = time_until([&] {
        return api.worker_count(s.workers, "running") >= static_cast<std::int64_t>(s.ids.size());
    });
    write_state(o.state, s);
    std::printf("%s: %zu workflows submitted in %.1f s; every step one running on the %zu workers %s later\n",
                o.label.c_str(), s.ids.size(), submitted, s.workers.size(), seconds_text(running).c_str());
    return running ? 0 : 1;
}

int recovery_backend_down(const Options& o) {
    Api api(o);
    auto s = read_state(o.state);
    std::optional<double> ended_after = 0.0;
    if (o.await_ended) ended_after = time_until([&] { return api.worker_count(s.workers, "running") == 0; });
    const auto running = api.worker_count(s.workers, "running");
    s.baseline = running + api.worker_count(s.workers, "completed");
    write_state(o.state, s);
    if (o.await_ended)
        std::printf("%s: backend down; every step one ended on its worker after %s (%lld there)\n", o.label.c_str(),
                    seconds_text(ended_after).c_str(), static_cast<long long>(s.baseline));
    else
        std::printf("%s: backend down; restarted at once, %lld step ones still running on the workers\n",
                    o.label.c_str(), static_cast<long long>(running));
    return ended_after ? 0 : 1;
}

int recovery_watch(const Options& o) {
    Api api(o);
    const auto s = read_state(o.state);
    const auto n = static_cast<std::int64_t>(s.ids.size());
    const auto since_start = [&] { return static_cast<double>(epoch_ms() - o.recover_from_ms) / 1000; };
    std::optional<double> answering, first, dispatched, completed;
    if (time_until([&] { return api.backend("/health").has_value(); })) answering = since_start();
    // Step twos on a worker: what the workers hold beyond what they held while the backend was down.
    if (time_until([&] {
            const auto running = api.worker_count(s.workers, "running");
            const auto finished = api.worker_count(s.workers, "completed");
            if (running < 0 || finished < 0) return false;
            if (!first && running + finished > s.baseline) first = since_start();
            return running + finished - s.baseline >= n;
        }))
        dispatched = since_start();
    if (time_until([&] { return api.count("completed") >= n; })) completed = since_start();
    std::printf("%s: from the new backend's start: answering after %s, the first step two on a worker after %s, "
                "all %lld after %s, all completed after %s\n",
                o.label.c_str(), seconds_text(answering).c_str(), seconds_text(first).c_str(), static_cast<long long>(n),
                seconds_text(dispatched).c_str(), seconds_text(completed).c_str());
    if (answering) figure(o, "answering_s", *answering);
    if (first) figure(o, "first_dispatched_s", *first);
    if (dispatched) figure(o, "all_dispatched_s", *dispatched);
    if (completed) figure(o, "all_completed_s", *completed);
    return audit(api, o, s.ids) && dispatched && completed ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
    const Options o = parse_options(argc, argv);
    if (o.backend_down) return recovery_backend_down(o);
    if (o.backend.empty()) fleet::bench::usage(kProgram, "--backend is required");
    if (o.recover_from_ms > 0) return recovery_watch(o);
    if (o.in_flight > 0) return recovery_submit(o);
    if (o.clients > 0) return throughput(o);
    if (o.rate > 0) return latency(o);
    fleet::bench::usage(kProgram, "say what to measure: --rate, --clients, --in-flight, --await-ended or --recover-from-ms");
}
