#pragma once

#include <cstddef>
#include <deque>
#include <functional>
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
class Admission {
public:
    Admission(boost::asio::io_context& core, std::size_t per_turn);
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
};

}  // namespace fleet::backend
