#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

// What the chaos run will do to the fleet, and when: drawn from the seed
// alone, so the same --seed gives the same actions at the same instants.
namespace fleet::chaos {

enum class ActionKind { KillWorker, KillBackend, PauseWorker };

std::string to_string(ActionKind kind);

struct ChaosAction {
    std::chrono::milliseconds at{0};    // from the start of the load
    ActionKind kind = ActionKind::KillWorker;
    std::size_t worker = 0;             // KillWorker, PauseWorker: which one
    std::chrono::milliseconds down{0};  // how long it stays dead (then restarted) or stopped (then SIGCONT)
};

struct PlanSettings {
    std::uint64_t seed = 1;
    std::chrono::milliseconds duration{30'000};
    std::size_t workers = 4;
    // On average one action of each kind every so often (at least one of each in any run).
    std::chrono::milliseconds worker_kill_every{8'000};
    std::chrono::milliseconds backend_kill_every{60'000};
    std::chrono::milliseconds pause_every{30'000};
};

// Actions in time order, none in the first or last 10% of the run (the fleet
// settles in and the last restarts land before the load stops).
std::vector<ChaosAction> make_plan(const PlanSettings& settings);

}  // namespace fleet::chaos
