// scripts/fleet brings up a backend and 8 echo workers as detached processes;
// 100 operations through the backend spread over all of them; `down` drains
// the workers (each deregisters while the backend still runs), then stops it.
#include "tests/integration/worker_fixture.hpp"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <sstream>

using namespace fleet;
using namespace fleet::test;

namespace {

namespace fs = std::filesystem;

const std::string kScript = std::string(FLEET_SOURCE_DIR) + "/scripts/fleet";
constexpr int kWorkers = 8;
constexpr int kOperations = 100;
const std::string kToken = "scaled-fleet-secret";

struct ScriptRun {
    std::optional<int> exit_code;
    std::string output;
};

// Runs scripts/fleet (a wrapper over fleetctl up/status/down) with the
// programs of this build: fleetctl by FLEETCTL, the others by
// FLEET_BACKEND_BIN / FLEET_WORKER_BIN (they live in separate build folders).
ScriptRun fleet_script(const std::vector<std::string>& args, std::chrono::seconds timeout = std::chrono::seconds(60),
                       std::vector<std::string> environment = {}) {
    environment.push_back(std::string("FLEET_BACKEND_BIN=") + FLEET_BACKEND_BIN);
    environment.push_back(std::string("FLEETCTL=") + FLEETCTL_BIN);
    if (std::none_of(environment.begin(), environment.end(),
                     [](const std::string& e) { return e.rfind("FLEET_WORKER_BIN=", 0) == 0; }))
        environment.push_back(std::string("FLEET_WORKER_BIN=") + FLEET_WORKER_BIN);
    Process script(kScript, args, environment);
    ScriptRun run;
    run.exit_code = script.wait(timeout);
    run.output = script.output();
    return run;
}

fs::path fresh_run_dir() {
    std::random_device random;
    auto dir = fs::temp_directory_path() /
               ("fleet_scaled_" + std::to_string(::getpid()) + "_" + std::to_string(random()));
    fs::create_directories(dir);
    return dir;
}

std::string read_file(const fs::path& path) {
    std::ifstream in(path);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

// Gone: no such process, or only a zombie nobody has reaped yet.
bool process_gone(pid_t pid) {
    if (::kill(pid, 0) != 0) return errno == ESRCH;
    const std::string stat = read_file("/proc/" + std::to_string(pid) + "/stat");
    const auto at = stat.rfind(") ");
    return at != std::string::npos && at + 2 < stat.size() && stat[at + 2] == 'Z';
}

// A fresh run directory that `scripts/fleet down` always runs on, even when
// the test fails half-way, and that is removed afterwards.
class FleetDir {
public:
    FleetDir() : path_(fresh_run_dir()) {}
    ~FleetDir() {
        if (!down_done_) fleet_script({"down", "--dir", path_.string(), "--timeout", "20"});
        std::error_code ignored;
        fs::remove_all(path_, ignored);
    }
    FleetDir(const FleetDir&) = delete;
    FleetDir& operator=(const FleetDir&) = delete;

    const fs::path& path() const { return path_; }
    std::string str() const { return path_.string(); }
    void mark_down() { down_done_ = true; }
    std::string log(const std::string& name) const { return read_file(path_ / (name + ".log")); }

private:
    fs::path path_;
    bool down_done_ = false;
};

struct Listed {
    pid_t pid = 0;
    std::string url;
};

// The lines of `up`: "NAME PID URL" per process, then "backend url: URL".
std::map<std::string, Listed> parse_up(const std::string& output, std::string& backend_url) {
    std::map<std::string, Listed> processes;
    std::istringstream lines(output);
    std::string line;
    while (std::getline(lines, line)) {
        if (line.rfind("backend url: ", 0) == 0) {
            backend_url = line.substr(13);
            continue;
        }
        std::istringstream fields(line);
        std::string name, pid, url;
        if (!(fields >> name >> pid >> url) || url.rfind("http://", 0) != 0) continue;
        if (!std::all_of(pid.begin(), pid.end(), [](unsigned char c) { return std::isdigit(c) != 0; })) continue;
        processes[name] = Listed{static_cast<pid_t>(std::stoi(pid)), url};
    }
    return processes;
}

bool terminal(const std::string& status) { return status == "completed" || status == "failed" || status == "cancelled"; }

}  // namespace

TEST_CASE("scripts/fleet: 8 echo workers share 100 operations; down drains and deregisters them",
          "[integration][scaled-fleet]") {
    FleetDir dir;
    const auto up = fleet_script({"up", "--workers", "echo:" + std::to_string(kWorkers), "--dir", dir.str(),
                                  "--token", kToken});
    INFO("scripts/fleet up output:\n" << up.output);
    REQUIRE(up.exit_code.value_or(-1) == 0);

    std::string backend_url;
    const auto processes = parse_up(up.output, backend_url);
    REQUIRE(backend_url.rfind("http://127.0.0.1:", 0) == 0);
    REQUIRE(processes.size() == static_cast<std::size_t>(kWorkers) + 1);
    REQUIRE(processes.count("backend") == 1);
    CHECK(processes.at("backend").url == backend_url);
    for (int i = 1; i <= kWorkers; ++i) REQUIRE(processes.count("echo-" + std::to_string(i)) == 1);

    http::BlockingHttpClient client;

    // The backend lists 8 AVAILABLE echo workers at 8 distinct endpoints, those `up` printed.
    {
        auto response = client.get(backend_url + "/api/v1/workers?worker_type=echo", kToken);
        INFO("workers: " << response.status << " " << response.body << " " << response.error_message);
        REQUIRE(response.ok());
        REQUIRE(response.status == 200);
        const auto workers = boost::json::parse(response.body).as_array();
        REQUIRE(workers.size() == static_cast<std::size_t>(kWorkers));
        std::set<std::string> endpoints;
        for (const auto& value : workers) {
            const auto& worker = value.as_object();
            const std::string id(worker.at("worker_id").as_string());
            CHECK(worker.at("status") == "AVAILABLE");
            REQUIRE(processes.count(id) == 1);
            CHECK(worker.at("endpoint_url") == boost::json::value(processes.at(id).url));
            endpoints.insert(std::string(worker.at("endpoint_url").as_string()));
        }
        CHECK(endpoints.size() == static_cast<std::size_t>(kWorkers));
        // Without the token the backend refuses: `up --token` reached it.
        CHECK(client.get(backend_url + "/api/v1/workers").status == 401);
    }

    // A second `up` on the same directory is refused and leaves the fleet alone.
    {
        const auto again = fleet_script({"up", "--workers", "echo:1", "--dir", dir.str()});
        INFO("second up:\n" << again.output);
        CHECK(again.exit_code.value_or(-1) == 1);
        CHECK(again.output.find("already running") != std::string::npos);
        const auto status = fleet_script({"status", "--dir", dir.str()});
        INFO("status:\n" << status.output);
        CHECK(status.exit_code.value_or(-1) == 0);
        CHECK(status.output.find("lists 8 worker(s)") != std::string::npos);
    }

    // 100 operations, 200 ms each: longer than it takes to hand one to every
    // worker, so the dispatcher has to use them all; about 2.5 s per worker.
    std::vector<std::string> ids;
    for (int i = 0; i < kOperations; ++i) {
        auto response = client.post(backend_url + "/api/v1/echo/start",
                                    R"({"duration_ms": 200, "steps": 4, "n": )" + std::to_string(i) + "}", kToken);
        INFO("start " << i << ": " << response.status << " " << response.body << " " << response.error_message);
        REQUIRE(response.ok());
        REQUIRE((response.status == 200 || response.status == 202));
        ids.push_back(std::string(json_of(response).at("operation_id").as_string()));
    }
    CHECK(std::set<std::string>(ids.begin(), ids.end()).size() == static_cast<std::size_t>(kOperations));

    // Operations end roughly in the order they started: ask about the oldest
    // unfinished one until it has ended, then about the next.
    std::map<std::string, int> per_worker;
    std::map<std::string, std::string> final_status;
    std::size_t next = 0;
    std::string last_seen;
    const auto started = std::chrono::steady_clock::now();
    const bool all_ended = eventually(
        [&] {
            while (next < ids.size()) {
                auto response = client.get(backend_url + "/api/v1/operations/" + ids[next], kToken);
                if (!response.ok() || response.status != 200) return false;
                const auto data = boost::json::parse(response.body).as_object().at("data").as_object();
                last_seen = boost::json::serialize(data);
                const std::string status(data.at("status").as_string());
                if (!terminal(status)) return false;
                final_status[ids[next]] = status;
                if (data.contains("worker_id") && data.at("worker_id").is_string())
                    ++per_worker[std::string(data.at("worker_id").as_string())];
                ++next;
            }
            return true;
        },
        std::chrono::seconds(40));
    const auto took =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
    {
        INFO("ended " << next << " of " << kOperations << "; last seen: " << last_seen);
        REQUIRE(all_ended);
    }
    for (const auto& [id, status] : final_status) {
        INFO("operation " << id);
        CHECK(status == "completed");
    }

    std::ostringstream spread;
    int fewest = kOperations, most = 0;
    for (const auto& [worker, count] : per_worker) {
        spread << ' ' << worker << '=' << count;
        fewest = std::min(fewest, count);
        most = std::max(most, count);
    }
    WARN("spread of " << kOperations << " operations over " << per_worker.size() << " workers, all ended "
                      << took.count() << " ms after the last start:" << spread.str());
    {
        INFO("spread:" << spread.str());
        CHECK(per_worker.size() == static_cast<std::size_t>(kWorkers));
        for (const auto& [worker, count] : per_worker) {
            INFO("worker " << worker);
            CHECK(processes.count(worker) == 1);
            CHECK(count >= 1);
        }
        if (most > 3 * fewest) WARN("uneven spread: " << fewest << " to " << most << " operations per worker");
    }

    // Down: the workers drain and say goodbye while the backend still runs, then it stops.
    const auto down = fleet_script({"down", "--dir", dir.str()});
    dir.mark_down();
    INFO("scripts/fleet down output:\n" << down.output);
    REQUIRE(down.exit_code.value_or(-1) == 0);
    CHECK(down.output.find("registry: 0 of 8 worker(s) of this fleet still listed by the backend") != std::string::npos);
    CHECK(down.output.find("removed from the registry") == std::string::npos);

    for (const auto& [name, process] : processes) {
        INFO(name << " (pid " << process.pid << ") log:\n" << dir.log(name));
        CHECK(process_gone(process.pid));
        CHECK_FALSE(fs::exists(dir.path() / (name + ".pid")));
    }
    const std::string backend_log = dir.log("backend");
    INFO("backend log:\n" << backend_log);
    const auto shutdown_at = backend_log.find("shutting down");
    CHECK(shutdown_at != std::string::npos);
    for (int i = 1; i <= kWorkers; ++i) {
        const std::string name = "echo-" + std::to_string(i);
        INFO(name << " log:\n" << dir.log(name));
        CHECK(down.output.find(name + ": stopped (drained, deregistered)") != std::string::npos);
        const auto goodbye = backend_log.find("worker " + name + " deregistered");
        CHECK(goodbye != std::string::npos);
        CHECK(goodbye < shutdown_at);
    }

    CHECK(fleet_script({"status", "--dir", dir.str()}).exit_code.value_or(-1) == 3);
    const auto down_again = fleet_script({"down", "--dir", dir.str()});
    INFO("second down:\n" << down_again.output);
    CHECK(down_again.exit_code.value_or(-1) == 0);
    CHECK(down_again.output.find("no fleet running") != std::string::npos);
}

TEST_CASE("scripts/fleet: bad arguments are refused before anything starts", "[integration][scaled-fleet]") {
    FleetDir dir;
    struct Case {
        std::vector<std::string> args;
        int exit_code;
        std::string message;
    };
    const std::vector<Case> cases{
        {{"up", "--workers", "echo"}, 2, "expected TYPE:N"},
        {{"up", "--workers", "echo:0"}, 2, "N must be from 1 to 256"},
        {{"up", "--workers", "echo:1,echo:2"}, 2, "echo given twice"},
        {{"up", "--workers", "teleport:2"}, 2, "unknown worker type 'teleport'"},
        {{"up", "--backend-port", "70000"}, 2, "--backend-port"},
        {{"up", "--frobnicate"}, 2, "unknown option"},
        {{"sideways"}, 2, "unknown command"},
    };
    for (const auto& c : cases) {
        auto args = c.args;
        args.insert(args.end(), {"--dir", dir.str()});
        const auto run = fleet_script(args);
        INFO("scripts/fleet " << args.front() << " ... output:\n" << run.output);
        CHECK(run.exit_code.value_or(-1) == c.exit_code);
        CHECK(run.output.find(c.message) != std::string::npos);
        CHECK_FALSE(fs::exists(dir.path() / "backend.pid"));
    }
    const auto help = fleet_script({"--help"});
    CHECK(help.exit_code.value_or(-1) == 0);
    CHECK(help.output.find("Usage:") != std::string::npos);
}

TEST_CASE("scripts/fleet: a failed up stops the backend it started and shows the failing log",
          "[integration][scaled-fleet]") {
    FleetDir dir;
    // A "worker" that writes a line and exits at once.
    const auto fake_worker = dir.path() / "broken-worker";
    {
        std::ofstream script(fake_worker);
        script << "#!/bin/sh\necho 'broken worker: cannot start' >&2\nexit 3\n";
    }
    fs::permissions(fake_worker, fs::perms::owner_all);
    const auto up = fleet_script({"up", "--workers", "echo:2", "--dir", dir.str(), "--timeout", "20"},
                                 std::chrono::seconds(60), {"FLEET_WORKER_BIN=" + fake_worker.string()});
    INFO("up output:\n" << up.output);
    CHECK(up.exit_code.value_or(-1) == 1);
    CHECK(up.output.find("exited before it listened") != std::string::npos);
    CHECK(up.output.find("broken worker: cannot start") != std::string::npos);
    CHECK_FALSE(fs::exists(dir.path() / "backend.pid"));
    CHECK(dir.log("backend").find("fleet-backend stopped") != std::string::npos);
    CHECK(fleet_script({"status", "--dir", dir.str()}).exit_code.value_or(-1) == 3);
}
