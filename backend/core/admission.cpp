#include "backend/core/admission.hpp"

#include "common/log.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include <algorithm>
#include <cstdint>
#include <exception>
#include <utility>

namespace fleet::backend {

std::chrono::nanoseconds next_turn_delay(std::chrono::nanoseconds spent, bool backlogged, double share) {
    if (!backlogged || share <= 0.0 || share >= 1.0) return std::chrono::nanoseconds::zero();
    return std::chrono::nanoseconds(static_cast<std::int64_t>(static_cast<double>(spent.count()) * (1.0 - share) / share));
}

struct Admission::Timer {
    explicit Timer(boost::asio::io_context& core) : timer(core) {}
    boost::asio::steady_timer timer;
};

Admission::Admission(boost::asio::io_context& core, std::size_t per_turn, BacklogShare backlog)
    : core_(core),
      per_turn_(per_turn == 0 ? 1 : per_turn),
      backlog_(std::move(backlog)),
      timer_(std::make_unique<Timer>(core)) {}

Admission::~Admission() = default;

void Admission::admit(std::function<void()> work) {
    {
        std::lock_guard lock(mutex_);
        waiting_.push_back(std::move(work));
        if (turn_posted_) return;
        turn_posted_ = true;
    }
    boost::asio::post(core_, [this] { turn(); });
}

std::size_t Admission::waiting() const {
    std::lock_guard lock(mutex_);
    return waiting_.size();
}

void Admission::turn() {
    std::deque<std::function<void()>> now;
    {
        std::lock_guard lock(mutex_);
        const std::size_t take = std::min(per_turn_, waiting_.size());
        for (std::size_t i = 0; i < take; ++i) {
            now.push_back(std::move(waiting_.front()));
            waiting_.pop_front();
        }
    }
    const auto began = std::chrono::steady_clock::now();
    for (auto& work : now) {
        try {
            work();
        } catch (const std::exception& error) {  // the work answers its own errors; this is a bug
            log::error("admitted work failed: ", error.what());
        }
    }
    {
        std::lock_guard lock(mutex_);
        if (waiting_.empty()) {
            turn_posted_ = false;
            return;
        }
    }
    const auto delay = next_turn_delay(std::chrono::steady_clock::now() - began,
                                       backlog_.backlogged && backlog_.backlogged(), backlog_.share);
    if (delay > std::chrono::nanoseconds::zero()) {
        timer_->timer.expires_after(delay);
        timer_->timer.async_wait([this](const boost::system::error_code& ec) {
            if (!ec) turn();
        });
        return;
    }
    // Behind everything that came in meanwhile.
    boost::asio::post(core_, [this] { turn(); });
}

}  // namespace fleet::backend
