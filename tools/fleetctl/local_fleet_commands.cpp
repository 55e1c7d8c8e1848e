// fleetctl up, status, down: a backend and workers on this machine, detached,
// found again through the files in the fleet's directory (proto_docs/deploy-local.md).
#include "tools/fleetctl/backend_client.hpp"
#include "tools/fleetctl/command_table.hpp"
#include "tools/fleetctl/exit_code.hpp"
#include "tools/fleetctl/local_fleet.hpp"
#include "tools/fleetctl/printing.hpp"
#include "tools/fleetctl/table.hpp"

#include <boost/json/value.hpp>

#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <algorithm>
#include <fstream>
#include <ostream>
#include <set>
#include <thread>

namespace fleet::ctl {

namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;
using local::FleetDir;

constexpr std::chrono::seconds kUpTimeout{30};
// A worker's drain timeout is 30 s, plus 5 s for cancelled work to stop.
constexpr std::chrono::seconds kDownTimeout{45};
constexpr std::chrono::seconds kFailedUpStopTimeout{10};
constexpr CountRange kPortRange{0, 65535};
constexpr CountRange kTimeoutRange{1, 99'999};

FleetDir fleet_dir(const Context& ctx, bool create) {
    std::string dir = ctx.invocation.value("dir").value_or("");
    if (dir.empty()) dir = ctx.env("FLEET_HOME");
    if (dir.empty()) dir = ctx.env("FLEET_RUN_DIR");  // the name scripts/fleet used
    if (dir.empty()) dir = ".fleet";
    if (create) {
        std::error_code ec;
        fs::create_directories(dir, ec);
        if (ec) throw CliError(ExitCode::Failed, "cannot create " + dir + ": " + ec.message());
    }
    std::error_code ec;
    auto full = fs::absolute(dir, ec);
    return FleetDir(ec ? fs::path(dir) : full.lexically_normal());
}

std::chrono::seconds timeout_option(const Context& ctx, std::chrono::seconds fallback) {
    const auto seconds = ctx.invocation.count("timeout");
    return seconds ? std::chrono::seconds(*seconds) : fallback;
}

std::string fleet_token(const Context& ctx, const FleetDir* dir) {
    if (ctx.invocation.token) return *ctx.invocation.token;
    if (dir) {
        std::ifstream in(dir->path() / "token");
        std::string token;
        if (std::getline(in, token)) return token;
    }
    return ctx.env("FLEET_TOKEN");
}

const boost::json::array& as_array(const Answer& answer) {
    static const boost::json::array empty;
    return answer.json.is_array() ? answer.json.get_array() : empty;
}

// Stops the fleet in `dir`: workers first (SIGTERM: they drain and deregister), then
// what the backend still lists of them, then the backend. `say` gets one line per step.
void stop_fleet(const FleetDir& dir, const std::string& token, std::chrono::seconds timeout,
                const std::function<void(const std::string&)>& say) {
    const auto everyone = dir.worker_names();
    std::vector<std::string> running;
    for (const auto& name : everyone) {
        if (dir.alive(name)) running.push_back(name);
        else say(name + ": was not running");
    }
    if (!running.empty()) {
        say("stopping " + std::to_string(running.size()) + " worker(s) with SIGTERM (they drain and deregister; deadline " +
            std::to_string(timeout.count()) + "s)");
        const auto killed = local::terminate(dir, running, timeout);
        for (const auto& name : running) {
            if (std::find(killed.begin(), killed.end(), name) != killed.end())
                say(name + ": still running after " + std::to_string(timeout.count()) + "s; killed (SIGKILL)");
            else if (dir.logged_line_ending(name, "registrar: deregistered " + name))
                say(name + ": stopped (drained, deregistered)");
            else
                say(name + ": stopped (did not deregister; see " + dir.file(name, ".log").string() + ")");
        }
    }

    if (dir.alive("backend")) {
        const auto url = dir.url_of("backend");
        if (!everyone.empty() && !url.empty()) {
            // A worker that died or was killed said no goodbye: removed here, before the backend stops.
            try {
                BackendClient backend(url, token);
                const auto listed = backend.get("/api/v1/workers");
                std::set<std::string> ids;
                for (const auto& w : as_array(listed))
                    if (const auto* o = w.if_object(); o && o->contains("worker_id") && o->at("worker_id").is_string())
                        ids.insert(std::string(o->at("worker_id").get_string()));
                int left = 0;
                for (const auto& name : everyone) {
                    if (!ids.count(name)) continue;
                    const auto removed = backend.send_raw(http::Method::Delete, "/api/v1/workers/" + name);
                    if (removed.status >= 200 && removed.status < 300)
                        say(name + ": said no goodbye; removed from the registry by fleetctl");
                    else
                        ++left;
                }
                say("registry: " + std::to_string(left) + " of " + std::to_string(everyone.size()) +
                    " worker(s) of this fleet still listed by the backend");
            } catch (const CliError& error) {
                say(std::string("registry: not checked: ") + error.what());
            }
        }
        say("stopping the backend (pid " + std::to_string(dir.pid_of("backend").value_or(0)) + ")");
        const auto killed = local::terminate(dir, {"backend"}, timeout);
        say(killed.empty() ? "backend: stopped"
                           : "backend: still running after " + std::to_string(timeout.count()) + "s; killed (SIGKILL)");
    } else if (fs::exists(dir.file("backend", ".pid"))) {
        say("backend: was not running");
    }
    for (const auto& name : everyone) dir.forget(name);
    dir.forget("backend");
}

// What `up` started, stopped again when it fails part-way.
class UpAttempt {
public:
    UpAttempt(Context& ctx, const FleetDir& dir, std::string token) : ctx_(ctx), dir_(dir), token_(std::move(token)) {}
    ~UpAttempt() {
        if (done_ || !started_) return;
        ctx_.err << "fleetctl: stopping what up started\n";
        stop_fleet(dir_, token_, kFailedUpStopTimeout, [](const std::string&) {});
        // One caught between fork and exec does not look like the fleet's yet: stopped by its pid.
        for (const pid_t pid : children_) {
            if (local::child_exited(pid)) continue;
            ::kill(pid, SIGKILL);
            ::waitpid(pid, nullptr, 0);
        }
    }
    void started(pid_t pid) {
        started_ = true;
        children_.push_back(pid);
    }
    void succeeded() { done_ = true; }

    [[noreturn]] void fail(const std::string& message, const std::vector<std::string>& logs) {
        ctx_.err << "fleetctl: up failed: " << message << '\n';
        for (const auto& name : logs) {
            const auto tail = dir_.log_tail(name, 40);
            ctx_.err << "--- " << dir_.file(name, ".log").string() << " (last 40 lines) ---\n"
                     << (tail.empty() ? "(empty)\n" : tail) << "---\n";
        }
        throw CliError(ExitCode::Failed, "up failed in " + dir_.path().string());
    }

private:
    Context& ctx_;
    const FleetDir& dir_;
    std::string token_;
    std::vector<pid_t> children_;
    bool started_ = false;
    bool done_ = false;
};

// Waits for every NAME's ready file; writes NAME.url from it.
void wait_ready(UpAttempt& attempt, const FleetDir& dir, const std::map<std::string, pid_t>& processes,
                std::chrono::steady_clock::time_point deadline, std::chrono::seconds timeout) {
    std::set<std::string> waiting;
    for (const auto& [name, pid] : processes) waiting.insert(name);
    while (!waiting.empty()) {
        for (auto it = waiting.begin(); it != waiting.end();) {
            if (const auto url = local::ready_url(dir.file(*it, ".ready"))) {
                std::ofstream(dir.file(*it, ".url")) << *url << '\n';
                it = waiting.erase(it);
                continue;
            }
            const pid_t pid = processes.at(*it);
            if (local::child_exited(pid))
                attempt.fail(*it + " (pid " + std::to_string(pid) + ") exited before it listened", {*it});
            ++it;
        }
        if (waiting.empty()) break;
        if (std::chrono::steady_clock::now() > deadline) {
            std::string names;
            for (const auto& n : waiting) names += (names.empty() ? "" : " ") + n;
            attempt.fail("no ready file within " + std::to_string(timeout.count()) + "s from: " + names,
                         {*waiting.begin()});
        }
        std::this_thread::sleep_for(50ms);
    }
}

int up(Context& ctx) {
    const auto groups = local::parse_worker_spec(ctx.invocation.value("workers").value_or("echo:2"));
    const auto port = ctx.invocation.count("port").value_or(ctx.invocation.count("backend-port").value_or(0));
    const auto timeout = timeout_option(ctx, kUpTimeout);
    const std::string token = ctx.invocation.token ? *ctx.invocation.token : ctx.env("FLEET_TOKEN");
    if (token.find_first_of("\r\n") != std::string::npos) throw usage_error("--token must be one line");

    const auto binaries = local::find_binaries(ctx.invocation.value("bin-dir"), ctx.environment, ctx.self_path);
    ctx.err << "using " << binaries.backend << "\nusing " << binaries.worker << '\n';
    if (const auto known = local::worker_types(binaries.worker); !known.empty()) {
        for (const auto& g : groups) {
            if (known.count(g.type)) continue;
            std::string names;
            for (const auto& [type, domain] : known) names += (names.empty() ? "" : ", ") + type;
            throw usage_error("unknown worker type '" + g.type + "' (known: " + names + ")");
        }
    }

    const FleetDir dir = fleet_dir(ctx, true);
    const local::DirLock lock(dir, 0s, "another 'fleetctl up' or 'fleetctl down' is working on " + dir.path().string());
    std::vector<std::string> running;
    for (const auto& name : dir.worker_names())
        if (dir.alive(name)) running.push_back(name);
    if (dir.alive("backend")) running.insert(running.begin(), "backend");
    if (!running.empty()) {
        std::string names;
        for (const auto& n : running) names += (names.empty() ? "" : " ") + n;
        throw CliError(ExitCode::Failed, "a fleet is already running in " + dir.path().string() + " (" + names +
                                             "); see 'fleetctl status --dir " + dir.path().string() +
                                             "' or stop it with 'fleetctl down --dir " + dir.path().string() + "'");
    }
    // Leftovers of a fleet that died without `down` (logs are overwritten per name).
    for (const auto& name : dir.worker_names()) dir.forget(name);
    dir.forget("backend");
    std::error_code ignored;
    fs::remove(dir.path() / "token", ignored);
    if (!token.empty()) {
        const auto path = dir.path() / "token";
        std::ofstream(path) << token << '\n';
        fs::permissions(path, fs::perms::owner_read | fs::perms::owner_write, ignored);
    }

    UpAttempt attempt(ctx, dir, token);
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    // The programs read the token from the environment, so that it shows in no command line.
    std::map<std::string, std::string> set;
    std::vector<std::string> unset{"FLEET_READY_FILE"};
    if (!token.empty()) set["FLEET_TOKEN"] = token;
    else unset.push_back("FLEET_TOKEN");

    ctx.err << "== starting fleet-backend\n";
    const auto backend_pid = local::launch(
        dir, "backend",
        {binaries.backend, "--host", "127.0.0.1", "--port", std::to_string(port), "--db", (dir.path() / "fleet.db").string(),
         "--ready-file", dir.file("backend", ".ready").string()},
        local::child_environment(set, unset));
    attempt.started(backend_pid);
    wait_ready(attempt, dir, {{"backend", backend_pid}}, deadline, timeout);
    const auto backend_url = dir.url_of("backend");

    const auto names = local::worker_names(groups);
    ctx.err << "== starting " << names.size() << " worker(s): " << ctx.invocation.value("workers").value_or("echo:2") << '\n';
    // Each worker advertises its own loopback address, whatever FLEET_ADVERTISE_URL says.
    unset.push_back("FLEET_ADVERTISE_URL");
    const auto worker_env = local::child_environment(set, unset);
    std::map<std::string, pid_t> workers;
    for (const auto& name : names) {
        const auto type = name.substr(0, name.rfind('-'));
        workers[name] = local::launch(dir, name,
                                      {binaries.worker, "--type", type, "--host", "127.0.0.1", "--port", "0",
                                       "--backend-url", backend_url, "--worker-id", name, "--ready-file",
                                       dir.file(name, ".ready").string()},
                                      worker_env);
        attempt.started(workers[name]);
    }
    wait_ready(attempt, dir, workers, deadline, timeout);

    ctx.err << "== waiting until the backend lists all " << names.size() << " worker(s)\n";
    BackendClient backend(backend_url, token);
    std::set<std::string> missing(names.begin(), names.end());
    while (!missing.empty()) {
        try {
            const auto listed = backend.get("/api/v1/workers");
            for (const auto& w : as_array(listed)) {
                const auto* o = w.if_object();
                if (!o) continue;
                const auto id = cell(w, "worker_id");
                const auto status = cell(w, "status");
                if (missing.count(id) && cell(w, "endpoint_url") == dir.url_of(id) &&
                    (status == "AVAILABLE" || status == "BUSY"))
                    missing.erase(id);
            }
        } catch (const CliError&) {
            // Not answering yet, or refusing: the deadline decides.
        }
        if (missing.empty()) break;
        if (local::child_exited(backend_pid)) attempt.fail("fleet-backend exited", {"backend"});
        for (const auto& [name, pid] : workers)
            if (local::child_exited(pid)) attempt.fail(name + " exited before it registered", {name});
        if (std::chrono::steady_clock::now() > deadline) {
            std::string list;
            for (const auto& n : missing) list += n + " ";
            attempt.fail("the backend did not list as available within " + std::to_string(timeout.count()) + "s: " + list,
                         {*missing.begin(), "backend"});
        }
        std::this_thread::sleep_for(50ms);
    }
    attempt.succeeded();

    ctx.out << "fleet up in " << dir.path().string() << ": backend and " << names.size() << " worker(s) ("
            << ctx.invocation.value("workers").value_or("echo:2") << ")\n";
    Table table({"NAME", "PID", "URL"});
    table.add({"backend", std::to_string(backend_pid), backend_url});
    for (const auto& name : names) table.add({name, std::to_string(workers.at(name)), dir.url_of(name)});
    table.print(ctx.out);
    ctx.out << "backend url: " << backend_url << '\n';
    return 0;
}

int status(Context& ctx) {
    const FleetDir dir = fleet_dir(ctx, false);
    if (!fs::is_directory(dir.path()) || !dir.has_fleet()) {
        ctx.out << "no fleet in " << dir.path().string() << '\n';
        return to_int(ExitCode::NotFound);
    }
    ctx.out << "fleet in " << dir.path().string() << '\n';
    Table processes({"NAME", "PID", "STATE", "URL"});
    std::size_t total = 0, up = 0;
    std::vector<std::string> names{"backend"};
    for (auto& n : dir.worker_names()) names.push_back(std::move(n));
    for (const auto& name : names) {
        if (!fs::exists(dir.file(name, ".pid"))) continue;
        ++total;
        const auto pid = dir.pid_of(name);
        const auto pid_text = pid ? std::to_string(*pid) : "?";
        if (dir.alive(name)) {
            ++up;
            processes.add({name, pid_text, "running", dir.url_of(name)});
        } else {
            processes.add({name, pid_text, "dead", "(log: " + dir.file(name, ".log").string() + ")"});
        }
    }
    processes.print(ctx.out);
    ctx.out << '\n';
    const auto url = dir.url_of("backend");
    if (url.empty() || !dir.alive("backend")) {
        ctx.out << "backend not running: no worker list\n";
    } else {
        try {
            BackendClient backend(url, fleet_token(ctx, &dir));
            const auto health = backend.send_raw(http::Method::Get, "/health");
            ctx.out << "backend " << url << " health: " << (health.status == 200 ? "healthy" : "answers " + std::to_string(health.status)) << '\n';
            const auto listed = backend.get("/api/v1/workers");
            ctx.out << "backend " << url << " lists " << as_array(listed).size() << " worker(s):\n";
            print_items(ctx, as_array(listed),
                        {{"WORKER_ID", "worker_id"},
                         {"TYPE", "worker_type"},
                         {"STATUS", "status"},
                         {"ENDPOINT", "endpoint_url"},
                         {"CURRENT_OPERATION", "current_operation_id"}});
        } catch (const CliError& error) {
            ctx.out << "backend " << url << " did not answer: " << error.what() << '\n';
        }
    }
    return up == total ? 0 : to_int(ExitCode::Failed);
}

int down(Context& ctx) {
    const FleetDir dir = fleet_dir(ctx, false);
    const auto timeout = timeout_option(ctx, kDownTimeout);
    if (!fs::is_directory(dir.path())) {
        ctx.out << "no fleet in " << dir.path().string() << '\n';
        return 0;
    }
    {
        const local::DirLock lock(dir, 120s, "another fleetctl command holds " + (dir.path() / ".lock").string());
        if (!dir.has_fleet()) {
            ctx.out << "no fleet running in " << dir.path().string() << '\n';
        } else {
            stop_fleet(dir, fleet_token(ctx, &dir), timeout, [&](const std::string& line) { ctx.out << line << '\n' << std::flush; });
            ctx.out << "fleet down in " << dir.path().string() << '\n';
        }
    }
    if (ctx.invocation.has("purge")) {
        std::error_code ec;
        for (const auto& entry : fs::directory_iterator(dir.path(), ec)) {
            const auto name = entry.path().filename().string();
            if (entry.path().extension() == ".log" || name == "token" || name.rfind("fleet.db", 0) == 0 || name == ".lock")
                fs::remove(entry.path(), ec);
        }
        fs::remove(dir.path(), ec);  // only when nothing else is in it
        ctx.out << "purged logs and database of " << dir.path().string() << '\n';
    }
    return 0;
}

const OptionSpec kDir{"dir", "DIR", "the fleet's directory (default $FLEET_HOME, else ./.fleet)"};

}  // namespace

void add_local_fleet_commands(std::vector<Command>& table) {
    table.push_back({"up", {}, "start a backend and workers on this machine, detached; return once all are registered",
                     {{"workers", "TYPE:N,...", "how many workers of each type (default echo:2); named TYPE-1 .. TYPE-N"},
                      {"port", "PORT", "the backend's port (default 0: a free one)", false, kPortRange},
                      {"backend-port", "PORT", "the same as --port", false, kPortRange},
                      kDir,
                      {"bin-dir", "DIR", "where fleet-backend and fleet-worker are (or a build tree)"},
                      {"timeout", "SECONDS", "start-up deadline (default 30)", false, kTimeoutRange}},
                     up,
                     "Binaries: --bin-dir, else $FLEET_BACKEND_BIN / $FLEET_WORKER_BIN, else $FLEET_BIN_DIR, else "
                     "next to fleetctl (or its build tree), else PATH. Each program is started with --ready-file and "
                     "is up when it has written it; the backend listens on 127.0.0.1, its db is DIR/fleet.db, each "
                     "process logs to DIR/NAME.log. The token (--token or $FLEET_TOKEN) is kept in DIR/token (mode "
                     "600) and given to the programs in their environment. A failed up stops what it started and "
                     "shows the failing log (exit 1); a fleet already running in DIR is refused (exit 1)."});
    table.push_back({"status", {}, "which processes of the local fleet run, the backend's health and worker list",
                     {kDir}, status, "Exit 0 all running, 1 some not running, 3 no fleet in DIR."});
    table.push_back({"down", {}, "stop the local fleet: workers drain and deregister, then the backend stops",
                     {kDir,
                      {"timeout", "SECONDS", "how long to wait after SIGTERM before SIGKILL (default 45)", false, kTimeoutRange},
                      {"purge", "", "also remove the logs, the token and the database"}},
                     down, "Exit 0, also when nothing runs."});
}

}  // namespace fleet::ctl
