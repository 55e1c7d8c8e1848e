#include "backend/events/status_waits.hpp"

#include "backend/core/core_timers.hpp"

#include <algorithm>

namespace fleet::backend {

StatusWaits::StatusWaits(CoreTimers& timers) : timers_(timers) {}

std::string StatusWaits::key_of(std::string_view kind, std::string_view id) {
    std::string key(kind);
    key += ':';
    key += id;
    return key;
}

void StatusWaits::wait(std::string_view kind, std::string_view what, std::chrono::milliseconds wait,
                       std::function<void()> then) {
    auto key = key_of(kind, what);
    const auto id = next_++;
    by_key_[key].push_back(id);
    auto& waiter = waiters_.emplace(id, Waiter{std::move(key), std::move(then), 0}).first->second;
    waiter.timer = timers_.after(wait, [this, id] { finish(id, false); });
}

void StatusWaits::fire(std::string_view kind, std::string_view id) {
    if (waiters_.empty()) return;
    const auto it = by_key_.find(key_of(kind, id));
    if (it == by_key_.end()) return;
    const auto ids = std::move(it->second);
    by_key_.erase(it);
    for (const auto id : ids) finish(id, true);
}

void StatusWaits::finish(std::uint64_t id, bool cancel_timer) {
    const auto it = waiters_.find(id);
    if (it == waiters_.end()) return;
    auto waiter = std::move(it->second);
    waiters_.erase(it);
    if (cancel_timer) {
        timers_.cancel(waiter.timer);
    } else if (const auto keyed = by_key_.find(waiter.key); keyed != by_key_.end()) {
        std::erase(keyed->second, id);
        if (keyed->second.empty()) by_key_.erase(keyed);
    }
    waiter.then();
}

}  // namespace fleet::backend
