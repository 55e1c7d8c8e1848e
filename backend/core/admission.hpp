#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>

namespace boost::asio {
class io_context;
}

namespace fleet::backend {

// New work waits behind work in flight. Starts from clients come in here
// instead of straight onto the core thread's queue; the core takes at most
// `per_turn` of them, then goes round its queue (worker answers, completion
// notices, timers) before taking more. So accepting work cannot starve
// dispatching it: a burst of starts slows the starts' answers, not the
// operations already on their way. `admit` may be called from any thread;
// the work runs on the core thread, in the order admitted.
// While operations wait for workers (a backlog), dispatching them is what
// matters: starts then get at most `share` of the core's time (the next turn
// waits next_turn_delay() after one), so a flood of starts slows the starts'
// answers, the clients wait (backpressure), and the queue drains at close to
// its full rate instead of a third of it.
struct BacklogShare {
    std::function<bool()> backlogged;  // on the core thread
    double share = 0.1;
};

// How long after a turn that took `spent` the next one waits: nothing
// without a backlog, else long enough that turns take `share` of the time.
std::chrono::nanoseconds next_turn_delay(std::chrono::nanoseconds spent, bool backlogged, double share);

class Admission {
public:
    Admission(boost::asio::io_context& core, std::size_t per_turn, BacklogShare backlog = {});
    ~Admission();
    Admission(const Admission&) = delete;
    Admission& operator=(const Admission&) = delete;

    void admit(std::function<void()> work);
    std::size_t waiting() const;

private:
    void turn();  // on the core thread

    boost::asio::io_context& core_;
    const std::size_t per_turn_;
    mutable std::mutex mutex_;
    std::deque<std::function<void()>> waiting_;
    bool turn_posted_ = false;
    const BacklogShare backlog_;
    struct Timer;
    std::unique_ptr<Timer> timer_;
};

}  // namespace fleet::backend
