#include "tools/chaos/chaos_fleet.hpp"

#include "common/http/client.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/json/parse.hpp>

#include <chrono>
#include <filesystem>
#include <stdexcept>
#include <thread>

namespace fleet::chaos {
namespace {

// A loopback port nobody listens on now: bound to 0, read, closed.
std::uint16_t free_loopback_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0)
        throw std::runtime_error("no free loopback port");
    ::close(fd);
    return ntohs(address.sin_port);
}

std::int64_t unix_ms_now() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

}  // namespace

ChaosFleet::ChaosFleet(FleetSettings settings) : settings_(std::move(settings)) {
    std::filesystem::create_directories(settings_.directory);
    // What an earlier run in this directory left: a fresh store and fresh run logs, or the audit mixes runs.
    for (const char* name : {"fleet.db", "fleet.db-wal", "fleet.db-shm", "backend.log"}) std::filesystem::remove(path(name));
    for (std::size_t i = 0; i < settings_.worker_types.size(); ++i)
        for (const char* suffix : {".log", ".runlog"}) std::filesystem::remove(path("worker-" + std::to_string(i) + suffix));
    backend_port_ = free_loopback_port();
    backend_url_ = "http://127.0.0.1:" + std::to_string(backend_port_);
    std::map<std::string, int> numbers;
    for (const auto& type : settings_.worker_types) {
        Worker worker;
        worker.type = type;
        worker.id = "chaos-" + type + "-" + std::to_string(++numbers[type]);
        worker.port = free_loopback_port();
        worker.url = "http://127.0.0.1:" + std::to_string(worker.port);
        workers_.push_back(std::move(worker));
    }
}

ChaosFleet::~ChaosFleet() { stop_all(); }

std::string ChaosFleet::path(const std::string& name) const {
    return (std::filesystem::path(settings_.directory) / name).string();
}

std::vector<std::string> ChaosFleet::backend_args() const {
    return {"--host", "127.0.0.1", "--port", std::to_string(backend_port_), "--db", path("fleet.db"),
            "--health-interval", settings_.health_interval, "--health-timeout", "1s", "--failure-threshold", "3",
            // A restarted worker does not know what it ran: resolve that soon, not after the default minute.
            "--unknown-grace", "5s", "--remove-after", "1h", "--log-level", "info"};
}

std::vector<std::string> ChaosFleet::worker_args(const Worker& worker, std::size_t index) const {
    return {"--type", worker.type, "--host", "127.0.0.1", "--port", std::to_string(worker.port),
            "--backend-url", backend_url_, "--advertise-url", worker.url, "--worker-id", worker.id,
            "--health-interval", settings_.health_interval, "--drain-timeout", "2s",
            // The audit reads every operation a worker still knows: keep them all.
            "--history", "1000000", "--run-log", path("worker-" + std::to_string(index) + ".runlog")};
}

std::vector<std::string> ChaosFleet::run_logs() const {
    std::vector<std::string> paths;
    for (std::size_t i = 0; i < workers_.size(); ++i) paths.push_back(path("worker-" + std::to_string(i) + ".runlog"));
    return paths;
}

void ChaosFleet::start() {
    restart_backend();
    if (!wait_backend_ready(std::chrono::seconds(30))) throw std::runtime_error("the backend did not answer /health within 30 s");
    for (std::size_t i = 0; i < workers_.size(); ++i) restart_worker(i);

    http::BlockingHttpClient client;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (std::chrono::steady_clock::now() < deadline) {
        const auto answer = client.get(backend_url_ + "/api/v1/workers");
        if (answer.ok() && answer.status == 200) {
            boost::system::error_code error;
            const auto list = boost::json::parse(answer.body, error);
            std::size_t available = 0;
            if (!error && list.is_array())
                for (const auto& worker : list.as_array())
                    if (worker.is_object() && worker.as_object().contains("status") &&
                        worker.as_object().at("status") == "AVAILABLE")
                        ++available;
            if (available == workers_.size()) return;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    throw std::runtime_error("the workers did not all register within 60 s");
}

bool ChaosFleet::wait_backend_ready(std::chrono::milliseconds timeout) const {
    http::BlockingHttpClient client;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        const auto answer = client.send({http::Method::Get, backend_url_ + "/health", {}, {}, std::chrono::seconds(2)});
        if (answer.ok() && answer.status == 200) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
}

void ChaosFleet::kill_backend() {
    if (backend_) backend_->kill_now();
    backend_.reset();
}

void ChaosFleet::restart_backend() {
    backend_ = std::make_unique<ChildProcess>(settings_.backend_binary, backend_args(), path("backend.log"));
}

void ChaosFleet::kill_worker(std::size_t index) {
    auto& worker = workers_.at(index);
    if (!worker.process) return;
    const pid_t pid = worker.process->pid();
    worker.process->kill_now();
    deaths_[pid] = unix_ms_now();
    worker.process.reset();
}

void ChaosFleet::restart_worker(std::size_t index) {
    auto& worker = workers_.at(index);
    worker.process = std::make_unique<ChildProcess>(settings_.worker_binary, worker_args(worker, index),
                                                    path("worker-" + std::to_string(index) + ".log"));
}

void ChaosFleet::pause_worker(std::size_t index) {
    if (auto& process = workers_.at(index).process) process->signal(SIGSTOP);
}

void ChaosFleet::resume_worker(std::size_t index) {
    if (auto& process = workers_.at(index).process) process->signal(SIGCONT);
}

void ChaosFleet::stop_all() {
    for (auto& worker : workers_) {
        if (worker.process) worker.process->stop(std::chrono::seconds(5));
        worker.process.reset();
    }
    if (backend_) backend_->stop(std::chrono::seconds(5));
    backend_.reset();
}

}  // namespace fleet::chaos
