#include "tools/chaos/chaos_driver.hpp"

#include <cstdio>
#include <thread>

namespace fleet::chaos {

ChaosDriver::ChaosDriver(ChaosFleet& fleet, std::vector<ChaosAction> plan)
    : fleet_(fleet), plan_(std::move(plan)), worker_busy_(fleet.workers(), false) {}

void ChaosDriver::record(std::string line) {
    const auto at = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    char prefix[32];
    std::snprintf(prefix, sizeof prefix, "[%7.2f s] ", at);
    journal_.push_back(prefix + line);
    std::printf("chaos: %s\n", journal_.back().c_str());
    std::fflush(stdout);
}

void ChaosDriver::apply(const ChaosAction& action, std::chrono::steady_clock::time_point now) {
    const bool on_worker = action.kind != ActionKind::KillBackend;
    if (on_worker ? worker_busy_.at(action.worker) : backend_down_) {
        ++skipped_;
        record("skipped " + to_string(action.kind) + (on_worker ? " " + fleet_.worker_id(action.worker) : "") +
               " (already down)");
        return;
    }
    ++taken_[action.kind];
    const std::string down = std::to_string(action.down.count()) + " ms";
    switch (action.kind) {
        case ActionKind::KillBackend:
            fleet_.kill_backend();
            backend_down_ = true;
            record("kill -9 backend; restart in " + down);
            break;
        case ActionKind::KillWorker:
            fleet_.kill_worker(action.worker);
            worker_busy_[action.worker] = true;
            record("kill -9 " + fleet_.worker_id(action.worker) + "; restart in " + down);
            break;
        case ActionKind::PauseWorker:
            fleet_.pause_worker(action.worker);
            worker_busy_[action.worker] = true;
            record("SIGSTOP " + fleet_.worker_id(action.worker) + "; SIGCONT in " + down);
            break;
    }
    pending_.push_back({now + action.down, action.kind, action.worker});
}

void ChaosDriver::recover(const Recovery& recovery) {
    switch (recovery.kind) {
        case ActionKind::KillBackend:
            fleet_.restart_backend();
            backend_down_ = false;
            record("backend restarted");
            break;
        case ActionKind::KillWorker:
            fleet_.restart_worker(recovery.worker);
            worker_busy_[recovery.worker] = false;
            record(fleet_.worker_id(recovery.worker) + " restarted");
            break;
        case ActionKind::PauseWorker:
            fleet_.resume_worker(recovery.worker);
            worker_busy_[recovery.worker] = false;
            record("SIGCONT " + fleet_.worker_id(recovery.worker));
            break;
    }
}

void ChaosDriver::run(std::chrono::steady_clock::time_point start, const std::atomic<bool>& stop) {
    start_ = start;
    std::size_t next = 0;
    while (!stop && (next < plan_.size() || !pending_.empty())) {
        const auto now = std::chrono::steady_clock::now();
        while (next < plan_.size() && start + plan_[next].at <= now) apply(plan_[next++], now);
        for (auto it = pending_.begin(); it != pending_.end();) {
            if (it->due <= now) {
                recover(*it);
                it = pending_.erase(it);
            } else {
                ++it;
            }
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    for (const auto& recovery : pending_) recover(recovery);
    pending_.clear();
}

}  // namespace fleet::chaos
