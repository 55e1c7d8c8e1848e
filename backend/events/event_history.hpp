#pragma once

#include "backend/events/event_filter.hpp"
#include "common/clock.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

namespace fleet::backend {

// One event as the stream sends it: its whole SSE frame, made once.
struct HistoryEntry {
    std::uint64_t id = 0;
    SystemTime time{};
    std::string_view type;  // one of kEventTypes
    EventKeys keys;
    std::string frame;  // "id: ..\nevent: ..\ndata: {..}\n\n"
};

// The backend's recent events, shared by every stream: the core thread
// appends, any thread reads from a position. Bounded by count and age, so
// what readers cost does not grow with how slowly they read. Readers with
// nothing to read wait for the next append; they are woken off the core
// thread (`wake_elsewhere`), once per batch of appends.
class EventHistory {
public:
    struct Limits {
        std::size_t max_events = 100'000;
        std::chrono::seconds max_age{3600};
    };
    using Elsewhere = std::function<void(std::function<void()>)>;
    using Waiter = std::function<void(bool keep_alive)>;  // true: woken by tick(), not an append
    using WaiterId = std::uint64_t;

    // Ids start after `first_id` (the start time in microseconds: larger than any earlier run's).
    EventHistory(Limits limits, std::uint64_t first_id, Elsewhere wake_elsewhere);

    // Core thread. Returns the event's id.
    std::uint64_t append(std::string_view type, EventKeys keys, std::string data_json, SystemTime time);

    struct Read {
        std::string text;       // the accepted frames, in order
        std::uint64_t next = 0; // where the next read starts (the last event looked at)
        std::size_t events = 0; // how many frames `text` holds
        bool missed = false;    // events after `after` were already dropped
        std::optional<std::uint64_t> oldest;  // the oldest kept event's id
    };
    // The events after `after` that `filter` accepts, stopping once `text` holds about `max_bytes`.
    Read read_after(std::uint64_t after, const EventFilter& filter, std::size_t max_bytes) const;

    std::uint64_t last_id() const;

    // Calls `waiter` once, off the core thread, after an event later than `after`
    // is appended or at the next keep-alive tick (`tick`); at once when there is one already.
    WaiterId wait(std::uint64_t after, Waiter waiter);
    // Forgets a waiter that has not been called.
    void forget(WaiterId id);
    // Wakes every waiter (keep-alive) and drops events past their age.
    void tick(SystemTime now);

    std::size_t size() const;

private:
    void drop_old(SystemTime now);
    void wake_all(bool keep_alive);

    const Limits limits_;
    Elsewhere wake_elsewhere_;
    mutable std::mutex mutex_;
    std::deque<std::shared_ptr<const HistoryEntry>> entries_;
    std::uint64_t last_id_;
    std::map<WaiterId, Waiter> waiters_;
    WaiterId next_waiter_ = 1;
    bool wake_posted_ = false;
};

}  // namespace fleet::backend
