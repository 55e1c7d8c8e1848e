#include "backend/core/admission.hpp"

#include "common/log.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include <algorithm>
#include <exception>
#include <utility>

namespace fleet::backend {

Admission::Admission(boost::asio::io_context& core, std::size_t per_turn)
    : core_(core), per_turn_(per_turn == 0 ? 1 : per_turn) {}

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
    // Behind everything that came in meanwhile.
    boost::asio::post(core_, [this] { turn(); });
}

}  // namespace fleet::backend
