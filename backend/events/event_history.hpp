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

// One event as the stream sends it. Its SSE frame is made once, by the first read that takes
// it, on the reader's thread: most events are never read (a fleet with no stream open reads
// none), and the core thread only keeps what the frame will say.
class HistoryEntry {
public:
    // The event's data as JSON text, made from the entry (its keys and time) and what it kept.
    using MakeData = std::function<std::string(const HistoryEntry&)>;

    std::uint64_t id = 0;
    SystemTime time{};
    std::string_view type;  // one of kEventTypes
    EventKeys keys;

    // "id: ..\nevent: ..\ndata: {..}\n\n"; any thread.
    const std::string& frame() const;

private:
    friend class EventHistory;
    mutable MakeData make_data_;  // how to make the data's text; dropped once it is made
    mutable std::once_flag made_;
    mutable std::string frame_;
};

// The backend's recent events, shared by every stream: the core thread
// appends, any thread reads from a position. Bounded by count and age, so
// what readers cost does not grow with how slowly they read. Readers wait
// for news; they are woken together, off the core thread (`wake_later`), once
// per batch of appends and at most once per `pace`: under a steady flow of
// events each reader takes everything since its last read in one piece, so
// what the streams cost follows the number of readers, not of events.
class EventHistory {
public:
    struct Limits {
        std::size_t max_events = 100'000;
        std::chrono::seconds max_age{3600};
        // The least time between two wake-ups; the first after a quiet spell goes at once.
        std::chrono::milliseconds pace{20};
    };
    // Runs the function off the core thread, after the delay.
    using Later = std::function<void(std::chrono::microseconds delay, std::function<void()>)>;
    using Waiter = std::function<void(bool keep_alive)>;  // true: woken by tick(), not an append
    using WaiterId = std::uint64_t;

    // Ids start after `first_id` (the start time in microseconds: larger than any earlier run's).
    // `clock` paces the wake-ups.
    EventHistory(Limits limits, std::uint64_t first_id, const Clock& clock, Later wake_later);

    // Core thread. Returns the event's id.
    std::uint64_t append(std::string_view type, EventKeys keys, std::string data_json, SystemTime time);
    // The same, with the data made when the event is first read.
    std::uint64_t append(std::string_view type, EventKeys keys, HistoryEntry::MakeData make_data, SystemTime time);

    struct Read {
        // The accepted frames, in order (never null). Shared: the readers woken together, at the
        // same position with the same filter, get the same text, made once.
        std::shared_ptr<const std::string> text;
        std::uint64_t next = 0; // where the next read starts (the last event looked at)
        std::size_t events = 0; // how many frames `text` holds
        bool more = false;      // stopped at a limit with events left to look at
        bool missed = false;    // events after `after` were already dropped
        std::optional<std::uint64_t> oldest;  // the oldest kept event's id
    };
    // The events after `after` that `filter` accepts, stopping once `text` holds about `max_bytes`.
    // The same question asked again before anything changed gets the same answer, not a new copy.
    Read read_after(std::uint64_t after, const EventFilter& filter, std::size_t max_bytes) const;

    std::uint64_t last_id() const;

    struct Bounds {
        std::optional<std::uint64_t> oldest;  // the oldest kept event's id; none when none is kept
        std::uint64_t last = 0;               // the last id given
        // Events after `after` were dropped already (or `after` is from before them all).
        bool missed_after(std::uint64_t after) const { return oldest ? after + 1 < *oldest : after < last; }
    };
    Bounds bounds() const;

    // Calls `waiter` once, off the core thread, at the next wake-up after an event
    // later than `after` is appended (the next one due, when there is one already),
    // or at the next keep-alive tick (`tick`).
    WaiterId wait(std::uint64_t after, Waiter waiter);
    // Forgets a waiter that has not been called.
    void forget(WaiterId id);
    // Wakes every waiter (keep-alive) and drops events past their age.
    void tick(SystemTime now);

    std::size_t size() const;

private:
    void drop_old(SystemTime now);
    Bounds bounds_locked() const;
    // Under the lock: the delay of a wake-up the caller must post, none if one is posted.
    std::optional<std::chrono::microseconds> claim_wake();
    void post_wake(std::chrono::microseconds delay);
    void wake_all(bool keep_alive);

    const Limits limits_;
    const Clock& clock_;
    Later wake_later_;
    mutable std::mutex mutex_;
    std::deque<std::shared_ptr<const HistoryEntry>> entries_;
    std::uint64_t last_id_;
    std::map<WaiterId, Waiter> waiters_;
    // The last reads made, for readers woken together (most ask the same question).
    struct RecentRead {
        std::uint64_t after = 0;
        std::size_t max_bytes = 0;
        EventFilter filter;
        std::uint64_t last_id = 0;  // the history as it was: its last and oldest ids
        std::uint64_t oldest_id = 0;
        Read read;
    };
    static constexpr std::size_t kRecentReads = 8;
    mutable std::deque<RecentRead> recent_reads_;
    WaiterId next_waiter_ = 1;
    bool wake_posted_ = false;
    SystemTime last_wake_{};
};

}  // namespace fleet::backend
