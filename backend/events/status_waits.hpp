#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace fleet::backend {

class CoreTimers;

// Blocking reads (`?wait=30s`): requests waiting on the core thread for a
// status to change. Each waiter is called once, when what it waits on (a kind,
// "operation", "workflow" or "run", and an id) is fired or its wait ends,
// whichever comes first.
class StatusWaits {
public:
    explicit StatusWaits(CoreTimers& timers);

    void wait(std::string_view kind, std::string_view id, std::chrono::milliseconds wait, std::function<void()> then);
    // Wakes whoever waits on `kind` and `id` (e.g. "operation", "op_1"): one check, and no key
    // built, when nobody waits (it is called for every operation's every move).
    void fire(std::string_view kind, std::string_view id);
    std::size_t waiting() const { return waiters_.size(); }

private:
    struct Waiter {
        std::string key;
        std::function<void()> then;
        std::uint64_t timer = 0;
    };
    void finish(std::uint64_t id, bool cancel_timer);
    static std::string key_of(std::string_view kind, std::string_view id);

    CoreTimers& timers_;
    std::map<std::uint64_t, Waiter> waiters_;
    std::unordered_map<std::string, std::vector<std::uint64_t>> by_key_;
    std::uint64_t next_ = 1;
};

}  // namespace fleet::backend
