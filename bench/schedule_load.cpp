// Load tool for the backend's schedules (scripts/bench_schedules drives it).
//
//   fleet-bench-schedules --backend URL [--schedules 1000] [--duration 60] [--cron '* * * * * *']
//                         [--overlap allow] [--step-ms 0]
//       creates N schedules of CRON whose workflow is one echo step of --step-ms, lets them
//       fire for D seconds, pauses them all, then reads every workflow they started
//       (GET /api/v1/workflows?name=..., paged) and prints, for the due times inside the
//       window (from the first whole second after the last schedule was created, D seconds
//       long): firing lateness, a workflow's created_at minus its scheduled_for (p50, p99,
//       max, in ms: both are whole milliseconds), how many due times started exactly one
//       workflow, how many started more (must be 0) and how many none; then the backend's
//       own histogram (GET /metrics, "fleet_schedule_lateness_seconds", read before and
//       after), p50 and p99, and how many of the workflows completed.
//   [--token T] [--label L] [--figures FILE] [--build B] on every form
//
// Only talks to 127.0.0.1; every wait is bounded.
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
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace {

namespace json = boost::json;
using fleet::http::BlockingHttpClient;
using SystemClock = std::chrono::system_clock;

constexpr fleet::bench::Program kProgram{"fleet-bench-schedules", "bench/schedule_load.cpp"};
constexpr int kThreads = 16;
constexpr const char* kHistogram = "fleet_schedule_lateness_seconds";
// After the window, time for its last due times to fire, however late, before the schedules are paused.
constexpr auto kGrace = std::chrono::seconds(3);
constexpr auto kDrainDeadline = std::chrono::seconds(60);

struct Options : fleet::bench::CommonOptions {
    Options() { label = "schedules"; }
    int schedules = 1000;
    double duration = 60;
    std::string cron = "* * * * * *";
    std::string overlap = "allow";
    int step_ms = 0;
};

Options parse_options(int argc, char** argv) {
    Options o;
    fleet::bench::read_options(kProgram, argc, argv, [&](std::string_view key, const std::string& value) {
        if (o.take(kProgram, key, value)) return true;
        if (key == "--schedules") o.schedules = std::max(1, std::atoi(value.c_str()));
        else if (key == "--duration") o.duration = std::max(1.0, std::atof(value.c_str()));
        else if (key == "--cron") o.cron = value;
        else if (key == "--overlap") o.overlap = value;
        else if (key == "--step-ms") o.step_ms = std::max(0, std::atoi(value.c_str()));
        else return false;
        return true;
    });
    if (o.backend.empty()) fleet::bench::usage(kProgram, "--backend is required");
    return o;
}

std::int64_t ms_of(const json::value& iso) {
    const auto t = iso.is_string() ? fleet::json::parse_iso8601(iso.get_string()) : std::nullopt;
    return t ? std::chrono::duration_cast<std::chrono::milliseconds>(t->time_since_epoch()).count() : -1;
}

std::int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(SystemClock::now().time_since_epoch()).count();
}

class Api {
public:
    explicit Api(const Options& o) : options_(o) {}

    // The answer's JSON when the status is `expected`.
    std::optional<json::value> call(fleet::http::Method method, const std::string& path, const std::string& body,
                                    int expected) {
        fleet::http::ClientRequest request;
        request.method = method;
        request.url = options_.backend + path;
        request.body = body;
        request.bearer_token = options_.token;
        const auto response = client_.send(std::move(request));
        if (!response.ok() || response.status != expected) return std::nullopt;
        boost::system::error_code ec;
        auto parsed = json::parse(response.body, ec);
        if (ec) return std::nullopt;
        return parsed;
    }

    std::optional<json::value> get(const std::string& path) {
        return call(fleet::http::Method::Get, path, {}, 200);
    }

    std::string metrics() { return client_.get(options_.backend + "/metrics", options_.token).body; }

private:
    const Options& options_;
    BlockingHttpClient client_;
};

std::string workflow_name(const Options& o) { return o.label + "-run"; }

std::string schedule_body(const Options& o, int index) {
    const json::object step{{"name", "noop"}, {"domain", "echo"}, {"parameters", {{"duration_ms", o.step_ms}, {"steps", 1}}}};
    return json::serialize(json::object{
        {"name", o.label + "-" + std::to_string(index)},
        {"cron", o.cron},
        {"overlap", o.overlap},
        {"catchup", "none"},
        {"workflow", {{"name", workflow_name(o)}, {"steps", json::array{step}}}}});
}

// Runs `work(i)` for i in [0, count) on kThreads threads; returns how many returned false.
template <typename Work>
std::size_t on_threads(std::size_t count, Work work) {
    std::atomic<std::size_t> next{0}, failed{0};
    std::vector<std::thread> pool;
    for (int t = 0; t < kThreads; ++t)
        pool.emplace_back([&] {
            for (std::size_t i; (i = next++) < count;)
                if (!work(i)) ++failed;
        });
    for (auto& thread : pool) thread.join();
    return failed;
}

struct Run {
    std::int64_t due = 0;
    std::int64_t created = 0;
    std::string status;
};

// Every workflow the benchmark's schedules started, by schedule id.
std::map<std::string, std::vector<Run>> read_runs(Api& api, const Options& o) {
    std::map<std::string, std::vector<Run>> runs;
    const std::string query = "/api/v1/workflows?limit=1000&name=" + workflow_name(o) + "&offset=";
    for (std::int64_t offset = 0, total = 1; offset < total; offset += 1000) {
        const auto page = api.get(query + std::to_string(offset));
        if (!page) {
            std::printf("%s: GET %s%lld failed; the figures below miss that page\n", o.label.c_str(), query.c_str(),
                        static_cast<long long>(offset));
            continue;
        }
        total = page->at("data").at("total").to_number<std::int64_t>();
        for (const auto& w : page->at("data").at("workflows").as_array()) {
            if (!w.at("schedule_id").is_string()) continue;
            runs[std::string(w.at("schedule_id").as_string())].push_back(
                {ms_of(w.at("scheduled_for")), ms_of(w.at("created_at")), std::string(w.at("status").as_string())});
        }
    }
    return runs;
}

// The cron's due times in [start, end), as the backend's preview computes them (UTC), 100 at a time.
std::vector<std::int64_t> due_times_in(Api& api, const Options& o, std::int64_t start, std::int64_t end) {
    std::string cron;
    for (const char c : o.cron) {
        if (c == ' ') cron += "%20";
        else if (c == '#') cron += "%23";
        else if (c == '?') cron += "%3F";
        else cron += c;
    }
    std::vector<std::int64_t> due;
    for (std::int64_t from = start - 1; from < end;) {
        const auto iso = fleet::to_iso8601(SystemClock::time_point(std::chrono::milliseconds(from)));
        const auto page = api.get("/api/v1/schedules/preview?count=100&cron=" + cron + "&from=" + iso);
        if (!page) fleet::bench::usage(kProgram, "GET /api/v1/schedules/preview refused --cron " + o.cron);
        const auto& times = page->at("data").at("next_run_times").as_array();
        if (times.empty()) break;
        for (const auto& time : times) {
            from = ms_of(time);
            if (from >= end) break;
            due.push_back(from);
        }
    }
    return due;
}

// Waits (bounded) until no workflow of the benchmark is active; returns how many completed.
std::int64_t drain(Api& api, const Options& o, std::int64_t started) {
    const auto deadline = std::chrono::steady_clock::now() + kDrainDeadline;
    const std::string query = "/api/v1/workflows?limit=1&name=" + workflow_name(o) + "&status=";
    std::int64_t completed = 0;
    do {
        const auto c = api.get(query + "completed");
        const auto f = api.get(query + "failed");
        if (c && f) {
            completed = c->at("data").at("total").to_number<std::int64_t>();
            if (completed + f->at("data").at("total").to_number<std::int64_t>() >= started) break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
    } while (std::chrono::steady_clock::now() < deadline);
    return completed;
}

int run(const Options& o) {
    Api api(o);
    const auto before = fleet::bench::read_histogram(api.metrics(), kHistogram);

    std::vector<std::string> ids(static_cast<std::size_t>(o.schedules));
    const auto create_started = std::chrono::steady_clock::now();
    const auto refused = on_threads(ids.size(), [&](std::size_t i) {
        thread_local Api local(o);
        const auto answer =
            local.call(fleet::http::Method::Post, "/api/v1/schedules", schedule_body(o, static_cast<int>(i)), 201);
        if (!answer) return false;
        ids[i] = std::string(answer->at("schedule_id").as_string());
        return true;
    });
    const double create_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - create_started).count();
    if (refused > 0) {
        std::printf("%s: %zu of %d schedules refused; stopping\n", o.label.c_str(), refused, o.schedules);
        return 1;
    }
    // The window: whole seconds, from the first due second after the last schedule exists.
    const std::int64_t window_start = (now_ms() / 1000 + 1) * 1000;
    const std::int64_t window_end = window_start + static_cast<std::int64_t>(o.duration * 1000);
    std::printf("%s: %d schedules '%s' (overlap %s) created in %.1f s; window %.0f s from %lld ms\n", o.label.c_str(),
                o.schedules, o.cron.c_str(), o.overlap.c_str(), create_seconds, o.duration,
                static_cast<long long>(window_start));
    std::this_thread::sleep_until(SystemClock::time_point(std::chrono::milliseconds(window_end)) + kGrace);

    const auto after = fleet::bench::read_histogram(api.metrics(), kHistogram);
    const auto not_paused = on_threads(ids.size(), [&](std::size_t i) {
        thread_local Api local(o);
        return local.call(fleet::http::Method::Post, "/api/v1/schedules/" + ids[i] + "/pause", {}, 200).has_value();
    });
    if (not_paused > 0) std::printf("%s: %zu schedules did not pause\n", o.label.c_str(), not_paused);

    const auto due_times = due_times_in(api, o, window_start, window_end);
    const auto runs = read_runs(api, o);
    std::vector<double> lateness;
    // Per due time, the earliest and the latest creation among the schedules: the timer's own
    // lateness, and the time the backend took to start the whole burst of that second.
    std::map<std::int64_t, std::pair<std::int64_t, std::int64_t>> burst;
    std::size_t exactly_once = 0, duplicated = 0, missing = 0, stray = 0, started = 0;
    for (const auto& id : ids) {
        std::map<std::int64_t, int> per_due;
        if (const auto it = runs.find(id); it != runs.end()) {
            started += it->second.size();
            for (const auto& r : it->second) {
                if (r.due < window_start || r.due >= window_end) continue;
                ++per_due[r.due];
                lateness.push_back(static_cast<double>(r.created - r.due));
                auto [at, fresh] = burst.try_emplace(r.due, r.created, r.created);
                if (!fresh) at->second = {std::min(at->second.first, r.created), std::max(at->second.second, r.created)};
            }
        }
        for (const auto due : due_times) {
            const int count = per_due.contains(due) ? per_due[due] : 0;
            (count == 0 ? missing : count == 1 ? exactly_once : duplicated) += 1;
            per_due.erase(due);
        }
        stray += per_due.size();  // runs for a time that is not a due time
    }

    using fleet::bench::quantile;
    const double p50 = quantile(lateness, 0.5), p99 = quantile(lateness, 0.99), max = quantile(lateness, 1.0);
    std::printf("%s: firing lateness (workflow created_at - scheduled_for): p50 %.0f ms, p99 %.0f ms, max %.0f ms "
                "(%zu runs in the window; whole milliseconds)\n",
                o.label.c_str(), p50, p99, max, lateness.size());
    const bool clean = duplicated == 0 && missing == 0 && stray == 0;
    std::printf("%s: %zu due times in the window (%zu each x %zu schedules): %zu started exactly one workflow, %zu "
                "more than one, %zu none; %zu runs for times that are not due times%s\n",
                o.label.c_str(), due_times.size() * ids.size(), due_times.size(), ids.size(), exactly_once,
                duplicated, missing, stray, clean ? "" : " -- NOT CLEAN");
    const fleet::bench::FigureFile figures{o.figures, o.build, o.label};
    figures.add("lateness_p50_ms", p50);
    figures.add("lateness_p99_ms", p99);
    figures.add("lateness_max_ms", max);
    std::vector<double> first_of_burst, burst_span;
    for (const auto& [due, created] : burst) {
        first_of_burst.push_back(static_cast<double>(created.first - due));
        burst_span.push_back(static_cast<double>(created.second - created.first));
    }
    std::printf("%s: per due time, the first workflow created after %.0f ms (p50; p99 %.0f ms), the last %.0f ms "
                "after the first (p50; p99 %.0f ms): the timer's lateness, then the burst of %zu schedules\n",
                o.label.c_str(), quantile(first_of_burst, 0.5), quantile(first_of_burst, 0.99),
                quantile(burst_span, 0.5), quantile(burst_span, 0.99), ids.size());
    figures.add("first_of_second_p50_ms", quantile(first_of_burst, 0.5));
    figures.add("burst_span_p50_ms", quantile(burst_span, 0.5));
    figures.add("due_times_exactly_once", static_cast<double>(exactly_once));
    figures.add("due_times_duplicated", static_cast<double>(duplicated));
    figures.add("due_times_missing", static_cast<double>(missing));

    if (after.name.empty()) {
        std::printf("%s: GET /metrics has no %s histogram\n", o.label.c_str(), kHistogram);
    } else {
        const double n = after.count - before.count;
        const double h50 = fleet::bench::histogram_quantile(before, after, 0.5) * 1000;
        const double h99 = fleet::bench::histogram_quantile(before, after, 0.99) * 1000;
        std::printf("%s: backend histogram %s: p50 %.3f ms, p99 %.3f ms, mean %.3f ms (%.0f observations, every "
                    "firing until the window's end plus %lld s; interpolated within buckets)\n",
                    o.label.c_str(), after.name.c_str(), h50, h99,
                    fleet::bench::histogram_mean(before, after) * 1000, n,
                    static_cast<long long>(kGrace.count()));
        figures.add("histogram_p50_ms", h50);
        figures.add("histogram_p99_ms", h99);
    }
    const auto completed = drain(api, o, static_cast<std::int64_t>(started));
    std::printf("%s: %zu workflows started in all, %lld completed (waited at most %lld s for them after the pause)\n",
                o.label.c_str(), started, static_cast<long long>(completed),
                static_cast<long long>(kDrainDeadline.count()));
    return clean ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) { return run(parse_options(argc, argv)); }
