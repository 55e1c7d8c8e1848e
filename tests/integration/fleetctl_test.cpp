// fleetctl as a user runs it: a subprocess against the real fleet-backend and
// fleet-worker on free loopback ports, its output and exit codes checked
// (proto_docs/fleetctl.md). Also the programs' --ready-file and --list-types,
// and `fleetctl up/status/down` round trip.
#include "tests/integration/backend_fixture.hpp"

#include <boost/json/parse.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

using namespace fleet;
using namespace fleet::test;
using namespace std::chrono_literals;

namespace {

namespace fs = std::filesystem;

struct CtlRun {
    int code = -1;
    std::string output;  // stdout and stderr together
};

CtlRun fleetctl(const std::vector<std::string>& args, std::vector<std::string> environment = {},
                std::chrono::seconds timeout = 60s) {
    // Neither the test's nor the developer's environment may point fleetctl elsewhere.
    for (const std::string name : {"FLEET_URL=", "FLEET_TOKEN=", "FLEET_HOME="}) {
        const bool given = std::any_of(environment.begin(), environment.end(),
                                       [&](const std::string& e) { return e.rfind(name, 0) == 0; });
        if (!given) environment.push_back(name);
    }
    Process process(FLEETCTL_BIN, args, environment);
    CtlRun run;
    run.code = process.wait(timeout).value_or(-1);
    run.output = process.output();
    return run;
}

// Only stdout (stderr dropped): what a script piping `-o json` into jq reads.
CtlRun fleetctl_stdout(std::vector<std::string> args) {
    args.insert(args.begin(), {"-c", "exec \"$0\" \"$@\" 2>/dev/null", FLEETCTL_BIN});
    Process process("/bin/sh", args, {"FLEET_URL=", "FLEET_TOKEN=", "FLEET_HOME="});
    CtlRun run;
    run.code = process.wait(60s).value_or(-1);
    run.output = process.output();
    return run;
}

boost::json::object parsed(const CtlRun& run) {
    INFO("fleetctl output:\n" << run.output);
    REQUIRE(run.code == 0);
    auto value = boost::json::parse(run.output);
    REQUIRE(value.is_object());
    return value.as_object();
}

fs::path fresh_dir(const std::string& what) {
    std::random_device random;
    auto dir = fs::temp_directory_path() /
               ("fleetctl_" + what + "_" + std::to_string(::getpid()) + "_" + std::to_string(random()));
    fs::create_directories(dir);
    return dir;
}

std::string write_file(const fs::path& path, const std::string& text) {
    std::ofstream(path) << text;
    return path.string();
}

const std::string kToken = "fleetctl-secret";

// A backend with a token, one echo worker registered with it, and fleetctl's global options for it.
struct Fleet {
    BackendUnderTest backend{{"--token", kToken}};
    BackendWorker worker{backend, "echo", "echo-ctl"};

    std::vector<std::string> with(std::vector<std::string> args) const {
        args.insert(args.end(), {"--url", backend.url(), "--token", kToken});
        return args;
    }
};

}  // namespace

TEST_CASE("fleetctl lists workers and starts, shows and watches operations", "[integration][fleetctl]") {
    Fleet fleet;

    const auto workers = fleetctl(fleet.with({"workers"}));
    INFO(workers.output);
    CHECK(workers.code == 0);
    CHECK(workers.output.find("WORKER_ID") != std::string::npos);
    CHECK(workers.output.find("echo-ctl") != std::string::npos);
    CHECK(workers.output.find("AVAILABLE") != std::string::npos);

    // The environment works as well as the flags.
    const auto by_env = fleetctl({"workers", "get", "echo-ctl"}, {"FLEET_URL=" + fleet.backend.url(), "FLEET_TOKEN=" + kToken});
    INFO(by_env.output);
    CHECK(by_env.code == 0);
    CHECK(by_env.output.find("endpoint_url") != std::string::npos);

    // start + ops get, in JSON for a script.
    const auto started = parsed(fleetctl_stdout(fleet.with({"start", "echo", "--param", "duration_ms=50", "-o", "json"})));
    const std::string id(started.at("operation_id").as_string());
    REQUIRE(eventually([&] {
        const auto got = fleetctl_stdout(fleet.with({"ops", "get", id, "-o", "json"}));
        return got.code == 0 &&
               boost::json::parse(got.output).at("data").at("status") == "completed";
    }));
    const auto table = fleetctl(fleet.with({"ops", "get", id}));
    CHECK(table.output.find("status") != std::string::npos);
    CHECK(table.output.find("completed") != std::string::npos);
    const auto list = fleetctl(fleet.with({"ops", "--type", "echo", "--limit", "5"}));
    CHECK(list.code == 0);
    CHECK(list.output.find(id) != std::string::npos);

    // --watch follows it to the end: 0 when completed...
    const auto watched = fleetctl(fleet.with({"start", "echo", "--param", "duration_ms=600", "--param", "steps=6", "--watch"}));
    INFO(watched.output);
    CHECK(watched.code == 0);
    CHECK(watched.output.find("completed") != std::string::npos);
    CHECK(watched.output.find("polling") == std::string::npos);  // it followed the event stream

    // ... 1 when it failed,
    const auto failed = fleetctl(fleet.with({"start", "echo", "--json", R"({"duration_ms": 100, "fail_with": "boom"})", "--watch"}));
    INFO(failed.output);
    CHECK(failed.code == 1);
    CHECK(failed.output.find("boom") != std::string::npos);

    // ... and 1 when it was cancelled while watched.
    const auto slow = parsed(fleetctl_stdout(fleet.with({"start", "echo", "--param", "duration_ms=20000", "--param", "steps=200", "-o", "json"})));
    const std::string slow_id(slow.at("operation_id").as_string());
    Process watcher(FLEETCTL_BIN, fleet.with({"ops", "watch", slow_id}), {"FLEET_URL=", "FLEET_TOKEN="});
    REQUIRE(eventually([&] { return fleet.backend.operation(slow_id).at("status") == "running"; }));
    const auto cancelled = fleetctl(fleet.with({"ops", "cancel", slow_id}));
    INFO(cancelled.output);
    CHECK(cancelled.code == 0);
    const auto watch_code = watcher.wait(30s);
    INFO(watcher.output());
    CHECK(watch_code == 1);
    CHECK(watcher.output().find("cancelled") != std::string::npos);
}

TEST_CASE("fleetctl runs a bot and watches the run; cancels and reruns", "[integration][fleetctl]") {
    Fleet fleet;
    const auto run = fleetctl(fleet.with({"run", "echo", "--param", "duration_ms=300", "--param", "steps=3", "--watch"}));
    INFO(run.output);
    CHECK(run.code == 0);
    CHECK(run.output.find("finished") != std::string::npos);

    const auto runs = fleetctl_stdout(fleet.with({"runs", "-o", "json"}));
    const auto items = boost::json::parse(runs.output).at("items").as_array();
    REQUIRE(items.size() == 1);
    const std::string run_id(items[0].at("run_id").as_string());
    CHECK(fleetctl(fleet.with({"runs"})).output.find(run_id) != std::string::npos);

    const auto rerun = parsed(fleetctl_stdout(fleet.with({"runs", "rerun", run_id, "-o", "json"})));
    const std::string second(rerun.at("run_id").as_string());
    CHECK(second != run_id);
    const auto second_watch = fleetctl(fleet.with({"runs", "watch", second}));
    INFO(second_watch.output);
    CHECK(second_watch.code == 0);
}

TEST_CASE("fleetctl submits, signals and watches a workflow; schedules one", "[integration][fleetctl]") {
    Fleet fleet;
    const auto dir = fresh_dir("workflow");
    const auto definition = write_file(dir / "approve.json", R"({"name": "ctl-approve", "steps": [
        {"name": "first", "domain": "echo", "parameters": {"duration_ms": 1500, "steps": 3}},
        {"name": "approve", "signal": "approve", "depends_on": ["first"]},
        {"name": "last", "domain": "echo", "depends_on": ["approve"], "parameters": {"duration_ms": 50}}]})");
    const auto submitted = parsed(fleetctl_stdout(fleet.with({"workflows", "submit", definition, "-o", "json"})));
    const std::string id(submitted.at("workflow_id").as_string());

    // The watcher is on the stream long before `first` (1.5 s) ends and `approve` waits.
    Process watcher(FLEETCTL_BIN, fleet.with({"workflows", "watch", id}), {"FLEET_URL=", "FLEET_TOKEN="});
    REQUIRE(eventually([&] {
        const auto workflow = fleet.backend.get("/api/v1/workflows/" + id);
        return workflow.body.find(R"("status":"waiting")") != std::string::npos;  // only a signal step waits
    }));
    const auto signal = fleetctl(fleet.with({"workflows", "signal", id, "approve", "--json", R"({"by": "ctl"})"}));
    INFO(signal.output);
    CHECK(signal.code == 0);
    CHECK(signal.output.find("signal approve") != std::string::npos);
    const auto code = watcher.wait(30s);
    INFO(watcher.output());
    CHECK(code == 0);
    CHECK(watcher.output().find("last") != std::string::npos);  // the steps table
    // Step moves come from the event stream, one line each.
    CHECK(watcher.output().find(": step approve pending -> waiting") != std::string::npos);
    CHECK(watcher.output().find(": step approve waiting -> completed") != std::string::npos);

    const auto listed = fleetctl(fleet.with({"workflows", "--name", "ctl-approve"}));
    CHECK(listed.output.find(id) != std::string::npos);
    CHECK(fleetctl(fleet.with({"workflows", "pause", id})).code == 4);  // completed: 409

    // Schedules: create from stdin-free file, pause, trigger, preview.
    const auto schedule = write_file(dir / "schedule.json", R"({"name": "ctl-nightly", "cron": "0 3 * * *",
        "workflow": {"name": "ctl-nightly", "steps": [{"name": "only", "domain": "echo", "parameters": {}}]}})");
    const auto created = parsed(fleetctl_stdout(fleet.with({"schedules", "create", schedule, "-o", "json"})));
    const std::string schedule_id(created.at("schedule_id").as_string());
    const auto paused = fleetctl(fleet.with({"schedules", "pause", schedule_id}));
    INFO(paused.output);
    CHECK(paused.code == 0);
    CHECK(fleetctl(fleet.with({"schedules", "pause", schedule_id})).code == 4);  // already paused: 409
    const auto triggered = fleetctl(fleet.with({"schedules", "trigger", schedule_id}));
    INFO(triggered.output);
    CHECK(triggered.code == 0);
    CHECK(triggered.output.find("started") != std::string::npos);
    const auto shown = fleetctl(fleet.with({"schedules", "get", schedule_id}));
    CHECK(shown.output.find("paused") != std::string::npos);
    const auto preview = fleetctl(fleet.with({"schedules", "preview", "--cron", "*/15 * * * *", "--count", "3"}));
    INFO(preview.output);
    CHECK(preview.code == 0);
    CHECK(std::count(preview.output.begin(), preview.output.end(), '\n') == 4);
    fs::remove_all(dir);
}

TEST_CASE("fleetctl exit codes: usage 2, not found 3, refused 4, unreachable 5", "[integration][fleetctl]") {
    Fleet fleet;
    CHECK(fleetctl(fleet.with({"ops", "get"})).code == 2);
    CHECK(fleetctl(fleet.with({"frobnicate"})).code == 2);
    const auto missing = fleetctl(fleet.with({"ops", "get", "op_nope"}));
    INFO(missing.output);
    CHECK(missing.code == 3);
    const auto refused = fleetctl(fleet.with({"start", "echo", "--param", "duration_ms=-5"}));
    INFO(refused.output);
    CHECK(refused.code == 4);
    const auto no_token = fleetctl({"workers", "--url", fleet.backend.url()});
    CHECK(no_token.code == 4);
    CHECK(no_token.output.find("401") != std::string::npos);

    // Nobody listens on a port that was free a moment ago.
    const auto port = free_loopback_port();
    const auto unreachable = fleetctl({"workers", "--url", "http://127.0.0.1:" + std::to_string(port)});
    INFO(unreachable.output);
    CHECK(unreachable.code == 5);
    CHECK(unreachable.output.find("cannot reach the backend") != std::string::npos);

    const auto help = fleetctl({"--help"});
    CHECK(help.code == 0);
    CHECK(help.output.find("Exit status:") != std::string::npos);

    // An unknown worker is not found; a known one drains, or, on a backend without
    // POST /api/v1/workers/{id}/drain, is refused saying so (never a bare 404).
    const auto unknown_worker = fleetctl(fleet.with({"workers", "drain", "nobody"}));
    INFO(unknown_worker.output);
    CHECK(unknown_worker.code == 3);
    const auto drain = fleetctl(fleet.with({"workers", "drain", "echo-ctl"}));
    INFO(drain.output);
    if (drain.code == 0) {
        CHECK(eventually([&] { return fleet.backend.worker_status("echo-ctl") != "AVAILABLE"; }));
    } else {
        CHECK(drain.code == 4);
        CHECK(drain.output.find("older than fleetctl") != std::string::npos);
    }
}

TEST_CASE("fleet-backend and fleet-worker write --ready-file; fleet-worker --list-types", "[integration][fleetctl]") {
    const auto dir = fresh_dir("ready");
    {
        Process types(FLEET_WORKER_BIN, {"--list-types"});
        REQUIRE(types.wait(10s) == 0);
        CHECK(types.output().find("echo echo\n") != std::string::npos);
        CHECK(types.output().find("backtest backtests\n") != std::string::npos);
        CHECK(types.output().find("data_processing data-processing\n") != std::string::npos);
    }
    const auto ready = dir / "backend.ready";
    Process backend(FLEET_BACKEND_BIN, {"--host", "127.0.0.1", "--port", "0", "--db", ":memory:", "--ready-file", ready.string()});
    REQUIRE(eventually([&] { return fs::exists(ready); }));
    std::stringstream text;
    text << std::ifstream(ready).rdbuf();
    const auto document = boost::json::parse(text.str()).as_object();
    CHECK(document.at("pid").as_int64() == backend.pid());
    const auto port = document.at("port").as_int64();
    CHECK(port > 0);
    CHECK(document.at("url") == boost::json::value("http://127.0.0.1:" + std::to_string(port)));
    // Nothing but the file itself is left: the temporary was renamed.
    CHECK(std::distance(fs::directory_iterator(dir), fs::directory_iterator()) == 1);
    fs::remove_all(dir);
}

TEST_CASE("fleetctl up, status and down run a local fleet", "[integration][fleetctl]") {
    const auto dir = fresh_dir("up");
    const std::vector<std::string> bins{std::string("FLEET_BACKEND_BIN=") + FLEET_BACKEND_BIN,
                                        std::string("FLEET_WORKER_BIN=") + FLEET_WORKER_BIN};
    struct Down {
        fs::path dir;
        std::vector<std::string> bins;
        ~Down() {
            fleetctl({"down", "--dir", dir.string(), "--timeout", "20"}, bins);
            fs::remove_all(dir);
        }
    } down_at_end{dir, bins};

    const auto up = fleetctl({"up", "--workers", "echo:2,backtest:1", "--dir", dir.string(), "--token", kToken}, bins);
    INFO("up:\n" << up.output);
    REQUIRE(up.code == 0);
    const auto at = up.output.find("backend url: ");
    REQUIRE(at != std::string::npos);
    const auto url = up.output.substr(at + 13, up.output.find('\n', at) - at - 13);
    for (const char* name : {"echo-1", "echo-2", "backtest-1"}) CHECK(up.output.find(name) != std::string::npos);
    CHECK(fs::exists(dir / "backend.url"));  // what scripts/demo reads

    const auto workers = fleetctl({"workers", "--url", url, "--token", kToken, "-o", "json"});
    CHECK(workers.code == 0);

    const auto status = fleetctl({"status", "--dir", dir.string()}, bins);
    INFO("status:\n" << status.output);
    CHECK(status.code == 0);
    CHECK(status.output.find("healthy") != std::string::npos);
    CHECK(status.output.find("lists 3 worker(s)") != std::string::npos);

    const auto again = fleetctl({"up", "--dir", dir.string()}, bins);
    CHECK(again.code == 1);
    CHECK(again.output.find("already running") != std::string::npos);

    const auto down = fleetctl({"down", "--dir", dir.string()}, bins);
    INFO("down:\n" << down.output);
    CHECK(down.code == 0);
    CHECK(down.output.find("echo-1: stopped (drained, deregistered)") != std::string::npos);
    CHECK(down.output.find("registry: 0 of 3 worker(s)") != std::string::npos);
    CHECK(down.output.find("backend: stopped") != std::string::npos);
    CHECK(fleetctl({"status", "--dir", dir.string()}, bins).code == 3);
    const auto unreachable = fleetctl({"workers", "--url", url});
    CHECK(unreachable.code == 5);
}
