#include "backend/core/timer_queue.hpp"

namespace fleet::backend {

TimerId TimerQueue::at(SystemTime due, std::function<void()> callback) {
    const TimerId id = next_id_++;
    due_.emplace(Key{due, id}, std::move(callback));
    times_.emplace(id, due);
    return id;
}

bool TimerQueue::cancel(TimerId id) {
    const auto it = times_.find(id);
    if (it == times_.end()) return false;
    due_.erase(Key{it->second, id});
    times_.erase(it);
    return true;
}

std::size_t TimerQueue::run_due(SystemTime now) {
    const TimerId set_before = next_id_;
    std::size_t ran = 0;
    for (;;) {
        // The earliest one due that was set before this call began.
        auto it = due_.begin();
        while (it != due_.end() && it->first.first <= now && it->first.second >= set_before) ++it;
        if (it == due_.end() || it->first.first > now) return ran;
        auto callback = std::move(it->second);
        times_.erase(it->first.second);
        due_.erase(it);
        callback();
        ++ran;
    }
}

std::optional<SystemTime> TimerQueue::next_due() const {
    if (due_.empty()) return std::nullopt;
    return due_.begin()->first.first;
}

}  // namespace fleet::backend
