#include "backend/core/core_timers.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <algorithm>

namespace fleet::backend {

struct CoreTimers::Wakeup {
    explicit Wakeup(boost::asio::io_context& core) : timer(core) {}
    boost::asio::steady_timer timer;
};

CoreTimers::CoreTimers(boost::asio::io_context& core, const Clock& clock)
    : wakeup_(std::make_unique<Wakeup>(core)), clock_(clock) {}

CoreTimers::~CoreTimers() = default;

TimerId CoreTimers::at(SystemTime due, std::function<void()> callback) {
    const TimerId id = queue_.at(due, std::move(callback));
    arm();
    return id;
}

TimerId CoreTimers::after(std::chrono::milliseconds delay, std::function<void()> callback) {
    return at(clock_.now() + delay, std::move(callback));
}

bool CoreTimers::cancel(TimerId id) { return queue_.cancel(id); }  // a wake-up with nothing due is harmless

void CoreTimers::stop() {
    stopped_ = true;
    armed_for_.reset();
    wakeup_->timer.cancel();
}

// One asio wait, for the earliest due time; set again whenever an earlier one comes.
void CoreTimers::arm() {
    const auto next = queue_.next_due();
    if (stopped_ || !next || (armed_for_ && *armed_for_ <= *next)) return;
    armed_for_ = next;
    const auto delay = std::max<SystemTime::duration>(*next - clock_.now(), SystemTime::duration::zero());
    wakeup_->timer.expires_after(std::chrono::duration_cast<std::chrono::steady_clock::duration>(delay));
    wakeup_->timer.async_wait([this](const boost::system::error_code& ec) {
        if (ec || stopped_) return;  // set again for an earlier time, or stopped
        armed_for_.reset();
        queue_.run_due(clock_.now());
        arm();
    });
}

}  // namespace fleet::backend
