#pragma once

#include <functional>

namespace boost::asio {
class io_context;
}

namespace fleet::backend {

class Database;

// The core thread, and the commit rule as a call. Work posted here runs on
// the core thread in order; whatever tells the outside world about a write
// (an answer, an event, a start sent to a worker) goes through
// post_after_commit, so nothing is acknowledged before it is committed.
class CoreExecutor {
public:
    CoreExecutor(boost::asio::io_context& core, Database& database);

    // From now on the first write of a batch posts its group commit here,
    // behind the work already queued (fleet-backend; without it, as in unit
    // tests, every write commits at once).
    void group_commits();

    // Runs `work` on the core thread, behind what is queued there. From any thread.
    void post(std::function<void()> work);
    // Runs `then` on the core thread once everything written so far is
    // committed: right after the pending group commit, or at once when
    // nothing is pending. Call it on the core thread.
    void post_after_commit(std::function<void()> then);
    // Runs `then` on the core thread after the next group commit, opening a
    // batch when none is open: it waits for what this turn writes next too.
    // For events, which are often published a step before the write that
    // records them (a worker's slot freed, then its operation saved).
    void post_after_next_commit(std::function<void()> then);

    boost::asio::io_context& context() { return core_; }

private:
    boost::asio::io_context& core_;
    Database& database_;
};

}  // namespace fleet::backend
