#include "backend/events/event_history.hpp"

#include <vector>

namespace fleet::backend {

EventHistory::EventHistory(Limits limits, std::uint64_t first_id, Elsewhere wake_elsewhere)
    : limits_(limits), wake_elsewhere_(std::move(wake_elsewhere)), last_id_(first_id) {}

std::uint64_t EventHistory::append(std::string_view type, EventKeys keys, std::string data_json, SystemTime time) {
    auto entry = std::make_shared<HistoryEntry>();
    entry->time = time;
    entry->type = type;
    entry->keys = std::move(keys);
    bool post = false;
    std::uint64_t id = 0;
    {
        std::lock_guard lock(mutex_);
        id = ++last_id_;
        entry->id = id;
        auto& frame = entry->frame;
        frame.reserve(data_json.size() + type.size() + 40);
        frame += "id: ";
        frame += std::to_string(id);
        frame += "\nevent: ";
        frame += type;
        frame += "\ndata: ";
        frame += data_json;
        frame += "\n\n";
        entries_.push_back(std::move(entry));
        while (entries_.size() > limits_.max_events) entries_.pop_front();
        drop_old(time);
        // One wake-up per batch: readers woken read everything appended until then.
        if (!waiters_.empty() && !wake_posted_) post = wake_posted_ = true;
    }
    if (post) wake_elsewhere_([this] { wake_all(false); });
    return id;
}

void EventHistory::drop_old(SystemTime now) {
    while (!entries_.empty() && now - entries_.front()->time > limits_.max_age) entries_.pop_front();
}

void EventHistory::wake_all(bool keep_alive) {
    std::map<WaiterId, Waiter> woken;
    {
        std::lock_guard lock(mutex_);
        wake_posted_ = false;
        woken.swap(waiters_);
    }
    for (auto& [id, waiter] : woken) waiter(keep_alive);
}

EventHistory::Read EventHistory::read_after(std::uint64_t after, const EventFilter& filter,
                                            std::size_t max_bytes) const {
    Read read;
    read.next = after;
    std::vector<std::shared_ptr<const HistoryEntry>> batch;
    {
        std::lock_guard lock(mutex_);
        if (!entries_.empty()) {
            const std::uint64_t front = entries_.front()->id;
            read.oldest = front;
            read.missed = after + 1 < front;
            // Ids are consecutive: the position is arithmetic.
            std::size_t index = after < front ? 0 : static_cast<std::size_t>(after + 1 - front);
            // Pointers only under the lock; filtering and copying after it.
            for (std::size_t taken = 0; index < entries_.size() && taken < 4096; ++index, ++taken)
                batch.push_back(entries_[index]);
        } else {
            read.missed = after < last_id_;
        }
    }
    for (const auto& entry : batch) {
        read.next = entry->id;
        if (!filter.accepts(entry->type, entry->keys)) continue;
        read.text += entry->frame;
        ++read.events;
        if (read.text.size() >= max_bytes) break;
    }
    return read;
}

std::uint64_t EventHistory::last_id() const {
    std::lock_guard lock(mutex_);
    return last_id_;
}

EventHistory::WaiterId EventHistory::wait(std::uint64_t after, Waiter waiter) {
    {
        std::lock_guard lock(mutex_);
        if (last_id_ <= after) {
            const auto id = next_waiter_++;
            waiters_.emplace(id, std::move(waiter));
            return id;
        }
    }
    wake_elsewhere_([waiter = std::move(waiter)] { waiter(false); });
    return 0;
}

void EventHistory::forget(WaiterId id) {
    std::lock_guard lock(mutex_);
    waiters_.erase(id);
}

void EventHistory::tick(SystemTime now) {
    {
        std::lock_guard lock(mutex_);
        drop_old(now);
    }
    wake_all(true);
}

std::size_t EventHistory::size() const {
    std::lock_guard lock(mutex_);
    return entries_.size();
}

}  // namespace fleet::backend
