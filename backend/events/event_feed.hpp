#pragma once

#include "backend/core/timer_queue.hpp"
#include "backend/events/event_filter.hpp"
#include "common/clock.hpp"

#include <boost/json/object.hpp>

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <unordered_map>

namespace fleet::backend {

class CoreTimers;
class EventBus;
class EventHistory;
class StatusWaits;
struct OperationStatusChanged;
struct OperationProgressed;

// Turns what the core publishes (after each commit) into the event stream's
// events (proto_docs/events.md), appends them to the history, and wakes the
// blocking reads whose status changed. Runs on the core thread.
//
// Progress is coalesced: at most one `operation.progress` per operation every
// `progress_interval`, the latest value winning; one still held back is sent
// before the operation's next status event.
class EventFeed {
public:
    // The bot of the admin run an operation is, if it is one.
    using RunBot = std::function<std::optional<std::string>(const std::string& operation_id)>;

    EventFeed(EventBus& events, EventHistory& history, StatusWaits& waits, CoreTimers& timers, const Clock& clock,
              RunBot run_bot, std::chrono::milliseconds progress_interval = std::chrono::milliseconds(250));

    std::size_t held_progress() const { return progress_.size(); }

private:
    struct Progress {
        SystemTime sent{};                    // when the last progress event went
        std::optional<std::string> held;      // the data of one not sent yet, as text without its time
        EventKeys keys;                       // ... and the ids it concerns
        std::optional<TimerId> timer;         // sends `held` when the interval has passed
    };

    void on_status(const OperationStatusChanged& changed);
    void on_progress(const OperationProgressed& progressed);
    void send_held(const std::string& operation_id);
    // A worker.status event; `from` empty: null (a worker new to the registry).
    void append_worker_status(std::string_view worker_id, std::string_view worker_type, std::string_view endpoint,
                              std::string_view from, std::string_view to);
    void append(std::string_view type, EventKeys keys, boost::json::object data);

    EventHistory& history_;
    StatusWaits& waits_;
    CoreTimers& timers_;
    const Clock& clock_;
    RunBot run_bot_;
    const std::chrono::milliseconds progress_interval_;
    std::unordered_map<std::string, Progress> progress_;  // operations that sent progress and have not ended
};

}  // namespace fleet::backend
