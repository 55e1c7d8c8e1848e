#include "backend/core/commit_pacer.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

namespace fleet::backend {

std::chrono::nanoseconds commit_delay(SteadyTime last_commit, SteadyTime now, std::chrono::nanoseconds interval,
                                      std::size_t last_batch_writes) {
    if (last_batch_writes < 2) return std::chrono::nanoseconds::zero();
    const auto due = last_commit + interval;
    return due > now ? std::chrono::duration_cast<std::chrono::nanoseconds>(due - now) : std::chrono::nanoseconds::zero();
}

struct CommitPacer::Timer {
    explicit Timer(boost::asio::io_context& core) : timer(core) {}
    boost::asio::steady_timer timer;
};

CommitPacer::CommitPacer(boost::asio::io_context& core, std::chrono::nanoseconds interval)
    : core_(core), interval_(interval), timer_(std::make_unique<Timer>(core)) {}

CommitPacer::~CommitPacer() = default;

void CommitPacer::schedule(std::function<void()> commit, std::size_t last_batch_writes) {
    auto run = [this, commit = std::move(commit)] {
        commit();
        last_commit_ = std::chrono::steady_clock::now();
    };
    const auto delay = commit_delay(last_commit_, std::chrono::steady_clock::now(), interval_, last_batch_writes);
    if (delay == std::chrono::nanoseconds::zero()) {
        boost::asio::post(core_, std::move(run));
        return;
    }
    // Cancelled only when the backend stops, which commits what is pending itself.
    timer_->timer.expires_after(delay);
    timer_->timer.async_wait([run = std::move(run)](const boost::system::error_code& ec) {
        if (!ec) run();
    });
}

}  // namespace fleet::backend
