#include "tools/chaos/chaos_plan.hpp"

#include <algorithm>
#include <random>

namespace fleet::chaos {

std::string to_string(ActionKind kind) {
    switch (kind) {
        case ActionKind::KillWorker: return "kill -9 worker";
        case ActionKind::KillBackend: return "kill -9 backend";
        case ActionKind::PauseWorker: return "SIGSTOP worker";
    }
    return "?";
}

std::vector<ChaosAction> make_plan(const PlanSettings& settings) {
    using std::chrono::milliseconds;
    std::mt19937_64 random(settings.seed);
    const auto total = settings.duration.count();
    std::uniform_int_distribution<std::int64_t> instant(total / 10, std::max(total / 10, total - total / 10));
    std::uniform_int_distribution<std::size_t> worker(0, std::max<std::size_t>(1, settings.workers) - 1);

    std::vector<ChaosAction> plan;
    const auto add = [&](ActionKind kind, milliseconds every, std::int64_t down_min, std::int64_t down_max) {
        const auto count = std::max<std::int64_t>(1, total / std::max<std::int64_t>(1, every.count()));
        std::uniform_int_distribution<std::int64_t> down(down_min, down_max);
        for (std::int64_t i = 0; i < count; ++i) {
            ChaosAction action;
            action.kind = kind;
            action.at = milliseconds(instant(random));
            action.worker = kind == ActionKind::KillBackend ? 0 : worker(random);
            action.down = milliseconds(down(random));
            plan.push_back(action);
        }
    };
    if (settings.workers > 0) add(ActionKind::KillWorker, settings.worker_kill_every, 200, 3'000);
    add(ActionKind::KillBackend, settings.backend_kill_every, 200, 2'000);
    // Long enough for health checks to time out (a worker that vanished silently), short enough to come back.
    if (settings.workers > 0) add(ActionKind::PauseWorker, settings.pause_every, 2'000, 6'000);
    std::stable_sort(plan.begin(), plan.end(), [](const ChaosAction& a, const ChaosAction& b) { return a.at < b.at; });
    return plan;
}

}  // namespace fleet::chaos
