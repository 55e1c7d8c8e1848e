#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <sys/types.h>
#include <vector>

// The processes of a local fleet: started detached, found again by the files
// they leave in the fleet's directory (NAME.pid, NAME.url, NAME.log,
// NAME.ready, token, fleet.db), stopped by signal. What `fleetctl up`,
// `status` and `down` do, without HTTP (the commands add that).
namespace fleet::ctl::local {

namespace fs = std::filesystem;

// `--workers echo:4,backtest:2` in start order. CliError(Usage) saying what is wrong.
struct WorkerGroup {
    std::string type;
    int count = 0;
};
std::vector<WorkerGroup> parse_worker_spec(const std::string& spec);

// Worker names in start order: echo-1 .. echo-4, backtest-1, ...
std::vector<std::string> worker_names(const std::vector<WorkerGroup>& groups);

struct Binaries {
    std::string backend;
    std::string worker;
};

// Where to look, first match wins: --bin-dir (the programs, or a build tree
// with backend/ and workers/), FLEET_BACKEND_BIN / FLEET_WORKER_BIN,
// FLEET_BIN_DIR, the folder of fleetctl itself (installed side by side, or
// fleetctl's build tree), then PATH.
Binaries find_binaries(const std::optional<std::string>& bin_dir, const std::map<std::string, std::string>& env,
                       const std::string& self_path);

// `fleet-worker --list-types`: type -> domain; empty when the program cannot tell.
std::map<std::string, std::string> worker_types(const std::string& worker_binary);

// The fleet's directory and what is in it.
class FleetDir {
public:
    explicit FleetDir(fs::path path) : path_(std::move(path)) {}
    const fs::path& path() const { return path_; }
    fs::path file(const std::string& name, const std::string& suffix) const { return path_ / (name + suffix); }

    std::optional<pid_t> pid_of(const std::string& name) const;
    std::string url_of(const std::string& name) const;
    // Workers with a pid file, in start order (type, then number).
    std::vector<std::string> worker_names() const;
    bool has_fleet() const;  // a backend or worker pid file is there
    // The process NAME's pid file names is running and is that process (its command line holds
    // --db DIR/fleet.db for the backend, --worker-id NAME for a worker: a reused pid is not it).
    bool alive(const std::string& name) const;
    bool alive(const std::string& name, pid_t pid) const;
    void forget(const std::string& name) const;  // its pid, url and ready files
    std::string log_tail(const std::string& name, std::size_t lines) const;
    bool logged_line_ending(const std::string& name, const std::string& text) const;

private:
    fs::path path_;
};

// An exclusive lock on DIR/.lock for up and down; released on destruction.
class DirLock {
public:
    // Without waiting (up), or waiting up to `wait`. Throws CliError(Failed) when it is held.
    DirLock(const FleetDir& dir, std::chrono::seconds wait, const std::string& holder_message);
    ~DirLock();
    DirLock(const DirLock&) = delete;
    DirLock& operator=(const DirLock&) = delete;

private:
    int fd_ = -1;
};

// Starts `argv` detached: its own session, stdin /dev/null, stdout and stderr
// to DIR/NAME.log, `environment` as its whole environment; writes NAME.pid.
pid_t launch(const FleetDir& dir, const std::string& name, const std::vector<std::string>& argv,
             const std::vector<std::string>& environment);

// The environment for the fleet's programs: ours, with `set` set and `unset` removed.
std::vector<std::string> child_environment(const std::map<std::string, std::string>& set,
                                           const std::vector<std::string>& unset);

// {"pid", "port", "url"} from a ready file, once it is there.
std::optional<std::string> ready_url(const fs::path& ready_file);

// Reaps `pid` when it is our child and has exited; whether it has.
bool reap_if_exited(pid_t pid);

// For a child this process started: whether it has exited (reaped here, or before).
// Unlike FleetDir::alive it does not look at the command line, which is still
// fleetctl's between fork and exec.
bool child_exited(pid_t pid);

// Signals and waits: SIGTERM, up to `timeout` for them to go, SIGKILL for the rest.
// Returns the names that had to be killed.
std::vector<std::string> terminate(const FleetDir& dir, const std::vector<std::string>& names,
                                   std::chrono::seconds timeout);

}  // namespace fleet::ctl::local
