#pragma once

#include "tools/chaos/child_process.hpp"

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace fleet::chaos {

struct FleetSettings {
    std::string backend_binary;
    std::string worker_binary;
    std::string directory;                  // the backend's database, the logs, the run logs
    std::vector<std::string> worker_types;  // one entry a worker
    std::string health_interval = "1s";     // the backend's and the workers' (so a worker re-registers in 3)
};

// A backend and its workers on free loopback ports, which the chaos run kills,
// stops and restarts. A restarted process gets the same port, id, database and
// run log as the one it replaces.
class ChaosFleet {
public:
    explicit ChaosFleet(FleetSettings settings);
    ~ChaosFleet();

    // Starts everything and waits until every worker is registered; throws when that takes too long.
    void start();
    void stop_all();

    const std::string& backend_url() const { return backend_url_; }
    std::size_t workers() const { return workers_.size(); }
    const std::string& worker_id(std::size_t index) const { return workers_.at(index).id; }
    const std::string& worker_type(std::size_t index) const { return workers_.at(index).type; }
    const std::string& worker_url(std::size_t index) const { return workers_.at(index).url; }
    std::vector<std::string> run_logs() const;

    void kill_backend();
    void restart_backend();
    void kill_worker(std::size_t index);
    void restart_worker(std::size_t index);
    void pause_worker(std::size_t index);
    void resume_worker(std::size_t index);
    bool worker_up(std::size_t index) const { return workers_.at(index).process != nullptr; }
    // Waits (bounded) until the backend answers /health again after a restart.
    bool wait_backend_ready(std::chrono::milliseconds timeout) const;

    // Worker processes that died (killed here), with when (Unix ms, taken after the kill).
    const std::map<pid_t, std::int64_t>& worker_deaths() const { return deaths_; }

private:
    struct Worker {
        std::string type;
        std::string id;
        std::uint16_t port = 0;
        std::string url;
        std::unique_ptr<ChildProcess> process;
    };

    std::vector<std::string> backend_args() const;
    std::vector<std::string> worker_args(const Worker& worker, std::size_t index) const;
    std::string path(const std::string& name) const;

    FleetSettings settings_;
    std::uint16_t backend_port_ = 0;
    std::string backend_url_;
    std::unique_ptr<ChildProcess> backend_;
    std::vector<Worker> workers_;
    std::map<pid_t, std::int64_t> deaths_;
};

}  // namespace fleet::chaos
