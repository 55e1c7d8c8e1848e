#pragma once

#include "backend/core/timer_queue.hpp"
#include "common/clock.hpp"

#include <chrono>
#include <functional>
#include <memory>
#include <optional>

namespace boost::asio {
class io_context;
}

namespace fleet::backend {

// The core thread's timers: a TimerQueue on the backend's Clock, woken by one
// asio timer set for the earliest due time. Call it on the core thread only;
// callbacks run there. Timers live in memory: what must outlive a restart is
// set again from the store at start.
class CoreTimers {
public:
    CoreTimers(boost::asio::io_context& core, const Clock& clock);
    ~CoreTimers();
    CoreTimers(const CoreTimers&) = delete;
    CoreTimers& operator=(const CoreTimers&) = delete;

    TimerId at(SystemTime due, std::function<void()> callback);
    TimerId after(std::chrono::milliseconds delay, std::function<void()> callback);
    bool cancel(TimerId id);
    // Nothing set runs any more (the backend is stopping).
    void stop();

private:
    void arm();

    struct Wakeup;
    std::unique_ptr<Wakeup> wakeup_;
    const Clock& clock_;
    TimerQueue queue_;
    std::optional<SystemTime> armed_for_;
    bool stopped_ = false;
};

}  // namespace fleet::backend
