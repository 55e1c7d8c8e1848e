#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>

namespace boost::asio {
class io_context;
}

namespace fleet::backend {

using SteadyTime = std::chrono::steady_clock::time_point;

// How long a group commit waits: not at all, unless the core is busy (the
// last batch wrote more than one row) and the last commit was less than
// `interval` ago; then until it is `interval` old. Pure, for the tests.
std::chrono::nanoseconds commit_delay(SteadyTime last_commit, SteadyTime now, std::chrono::nanoseconds interval,
                                      std::size_t last_batch_writes);

// Schedules the store's group commits on the core thread (the Database's
// batch scheduler). A commit costs a fixed number of page writes and locks
// whatever the batch holds, so under load fewer, larger batches cost less per
// operation; a lone write (one client, one operation at a time) is never
// held back. Call on the core thread only.
class CommitPacer {
public:
    CommitPacer(boost::asio::io_context& core, std::chrono::nanoseconds interval);
    ~CommitPacer();
    CommitPacer(const CommitPacer&) = delete;
    CommitPacer& operator=(const CommitPacer&) = delete;

    // Runs `commit` behind the work already queued, or after commit_delay().
    void schedule(std::function<void()> commit, std::size_t last_batch_writes);

private:
    struct Timer;
    boost::asio::io_context& core_;
    const std::chrono::nanoseconds interval_;
    std::unique_ptr<Timer> timer_;
    SteadyTime last_commit_{};
};

}  // namespace fleet::backend
