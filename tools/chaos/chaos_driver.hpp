#pragma once

#include "tools/chaos/chaos_fleet.hpp"
#include "tools/chaos/chaos_plan.hpp"

#include <atomic>
#include <chrono>
#include <cstddef>
#include <map>
#include <string>
#include <vector>

namespace fleet::chaos {

// Carries out a plan on the fleet in real time: kills, stops, and brings back
// after each action's `down` time. An action on a worker that is already dead
// or stopped is skipped (and counted), so two never pile up on one process.
class ChaosDriver {
public:
    ChaosDriver(ChaosFleet& fleet, std::vector<ChaosAction> plan);

    // Runs the plan from `start` until it is done or `stop` is set, then brings everything back.
    void run(std::chrono::steady_clock::time_point start, const std::atomic<bool>& stop);

    const std::map<ActionKind, std::size_t>& taken() const { return taken_; }
    std::size_t skipped() const { return skipped_; }
    const std::vector<std::string>& journal() const { return journal_; }  // one line an action, with its time

private:
    struct Recovery {
        std::chrono::steady_clock::time_point due;
        ActionKind kind;
        std::size_t worker;
    };

    void apply(const ChaosAction& action, std::chrono::steady_clock::time_point now);
    void recover(const Recovery& recovery);
    void record(std::string line);

    ChaosFleet& fleet_;
    std::vector<ChaosAction> plan_;
    std::vector<Recovery> pending_;
    std::vector<bool> worker_busy_;  // dead or stopped until its recovery
    bool backend_down_ = false;
    std::chrono::steady_clock::time_point start_;
    std::map<ActionKind, std::size_t> taken_;
    std::size_t skipped_ = 0;
    std::vector<std::string> journal_;
};

}  // namespace fleet::chaos
