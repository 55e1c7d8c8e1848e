#pragma once

#include "common/clock.hpp"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <unordered_map>
#include <utility>

namespace fleet::backend {

using TimerId = std::uint64_t;

// Callbacks due at times of a Clock, kept in due order. Nothing runs by
// itself: run_due(now) runs what is due, so a test drives grace periods,
// backoffs and timeouts with a ManualClock and no sleeping, and the core
// thread's CoreTimers calls it when the earliest one is due. One thread only.
class TimerQueue {
public:
    TimerId at(SystemTime due, std::function<void()> callback);
    // False when it already ran or was cancelled.
    bool cancel(TimerId id);

    // Runs every callback due at `now`, earliest first (equal times in the
    // order they were set); returns how many ran. A callback may set or cancel
    // timers; one it sets runs at the next call, never in this one, so a
    // callback that sets itself again cannot loop here.
    std::size_t run_due(SystemTime now);

    std::optional<SystemTime> next_due() const;
    std::size_t size() const { return due_.size(); }

private:
    using Key = std::pair<SystemTime, TimerId>;
    std::map<Key, std::function<void()>> due_;
    std::unordered_map<TimerId, SystemTime> times_;
    TimerId next_id_ = 1;
};

}  // namespace fleet::backend
