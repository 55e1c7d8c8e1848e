#include "backend/events/event_history.hpp"

#include <vector>

namespace fleet::backend {

const std::string& HistoryEntry::frame() const {
    std::call_once(made_, [this] {
        const std::string data = make_data_(*this);
        make_data_ = nullptr;  // what it kept is not needed again
        frame_.reserve(data.size() + type.size() + 40);
        frame_ += "id: ";
        frame_ += std::to_string(id);
        frame_ += "\nevent: ";
        frame_ += type;
        frame_ += "\ndata: ";
        frame_ += data;
        frame_ += "\n\n";
    });
    return frame_;
}

EventHistory::EventHistory(Limits limits, std::uint64_t first_id, const Clock& clock, Later wake_later)
    : limits_(limits), clock_(clock), wake_later_(std::move(wake_later)), last_id_(first_id) {}

std::uint64_t EventHistory::append(std::string_view type, EventKeys keys, std::string data_json, SystemTime time) {
    // Made already: the first read takes it (once, as any entry's data is made once).
    return append(type, std::move(keys), [data = std::move(data_json)](const HistoryEntry&) mutable {
        return std::move(data);
    }, time);
}

std::uint64_t EventHistory::append(std::string_view type, EventKeys keys, HistoryEntry::MakeData make_data,
                                   SystemTime time) {
    auto entry = std::make_shared<HistoryEntry>();
    entry->make_data_ = std::move(make_data);
    entry->time = time;
    entry->type = type;
    entry->keys = std::move(keys);
    std::optional<std::chrono::microseconds> wake;
    std::uint64_t id = 0;
    {
        std::lock_guard lock(mutex_);
        id = ++last_id_;
        entry->id = id;
        entries_.push_back(std::move(entry));
        while (entries_.size() > limits_.max_events) entries_.pop_front();
        drop_old(time);
        // One wake-up per batch: readers woken read everything appended until then.
        if (!waiters_.empty()) wake = claim_wake();
    }
    if (wake) post_wake(*wake);
    return id;
}

std::optional<std::chrono::microseconds> EventHistory::claim_wake() {
    if (wake_posted_) return std::nullopt;
    wake_posted_ = true;
    const auto since = clock_.now() - last_wake_;
    // A clock that stepped back counts as a long pause.
    if (since < SystemTime::duration::zero() || since >= limits_.pace) return std::chrono::microseconds::zero();
    return std::chrono::ceil<std::chrono::microseconds>(limits_.pace - since);
}

void EventHistory::post_wake(std::chrono::microseconds delay) {
    wake_later_(delay, [this] { wake_all(false); });
}

void EventHistory::drop_old(SystemTime now) {
    while (!entries_.empty() && now - entries_.front()->time > limits_.max_age) entries_.pop_front();
}

void EventHistory::wake_all(bool keep_alive) {
    std::map<WaiterId, Waiter> woken;
    {
        std::lock_guard lock(mutex_);
        // The keep-alive tick leaves the pacing alone: a wake-up claimed before it still comes, and
        // clearing its claim would start a second chain of wake-ups beside it.
        if (!keep_alive) {
            wake_posted_ = false;
            last_wake_ = clock_.now();
        }
        woken.swap(waiters_);
    }
    for (auto& [id, waiter] : woken) waiter(keep_alive);
}

EventHistory::Read EventHistory::read_after(std::uint64_t after, const EventFilter& filter,
                                            std::size_t max_bytes) const {
    Read read;
    read.next = after;
    std::vector<std::shared_ptr<const HistoryEntry>> batch;
    std::uint64_t last_id = 0;
    std::uint64_t oldest_id = 0;
    {
        std::lock_guard lock(mutex_);
        last_id = last_id_;
        oldest_id = entries_.empty() ? 0 : entries_.front()->id;
        for (const auto& recent : recent_reads_)
            if (recent.after == after && recent.last_id == last_id && recent.oldest_id == oldest_id &&
                recent.max_bytes == max_bytes && recent.filter == filter)
                return recent.read;
        const Bounds bounds = bounds_locked();
        read.oldest = bounds.oldest;
        read.missed = bounds.missed_after(after);
        if (!entries_.empty()) {
            // Ids are consecutive: the position is arithmetic.
            std::size_t index = after < oldest_id ? 0 : static_cast<std::size_t>(after + 1 - oldest_id);
            // Pointers only under the lock; filtering and copying after it.
            for (std::size_t taken = 0; index < entries_.size() && taken < 4096; ++index, ++taken)
                batch.push_back(entries_[index]);
            read.more = index < entries_.size();
        }
    }
    // The accepted frames first, so the text is allocated once, at its size.
    std::size_t size = 0;
    std::size_t accepted = 0;
    for (auto& entry : batch) {
        read.next = entry->id;
        if (!filter.accepts(entry->type, entry->keys)) continue;
        size += entry->frame().size();
        batch[accepted++] = entry;
        if (size >= max_bytes) {
            read.more = read.more || entry != batch.back();
            break;
        }
    }
    auto text = std::make_shared<std::string>();
    text->reserve(size);
    for (std::size_t i = 0; i < accepted; ++i) *text += batch[i]->frame();
    read.text = std::move(text);
    read.events = accepted;
    {
        std::lock_guard lock(mutex_);
        if (recent_reads_.size() == kRecentReads) recent_reads_.pop_front();
        recent_reads_.push_back(RecentRead{.after = after, .max_bytes = max_bytes, .filter = filter,
                                           .last_id = last_id, .oldest_id = oldest_id, .read = read});
    }
    return read;
}

EventHistory::Bounds EventHistory::bounds() const {
    std::lock_guard lock(mutex_);
    return bounds_locked();
}

EventHistory::Bounds EventHistory::bounds_locked() const {
    Bounds bounds{.oldest = std::nullopt, .last = last_id_};
    if (!entries_.empty()) bounds.oldest = entries_.front()->id;
    return bounds;
}

std::uint64_t EventHistory::last_id() const {
    std::lock_guard lock(mutex_);
    return last_id_;
}

EventHistory::WaiterId EventHistory::wait(std::uint64_t after, Waiter waiter) {
    std::optional<std::chrono::microseconds> wake;
    WaiterId id = 0;
    {
        std::lock_guard lock(mutex_);
        id = next_waiter_++;
        waiters_.emplace(id, std::move(waiter));
        // News already: the next wake-up due brings it.
        if (last_id_ > after) wake = claim_wake();
    }
    if (wake) post_wake(*wake);
    return id;
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
