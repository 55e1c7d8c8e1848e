#pragma once

#include "backend/core/core_timers.hpp"
#include "common/clock.hpp"

#include <boost/asio/io_context.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
#include <vector>

namespace fleet::backend {

class FinishedCache;
class Database;
class OperationRepository;

// Deletes finished operations past their retention, off the hot path: every
// sweep_interval on the core thread, one batch per turn, the next batch
// posted behind whatever else waits (starts, reads, the group commit).
class RetentionSweeper {
public:
    RetentionSweeper(boost::asio::io_context& core, CoreTimers& timers, Database& database,
                     OperationRepository& operations, FinishedCache& finished, const Clock& clock,
                     std::chrono::milliseconds retention, std::size_t batch);

    // From any thread; nothing when the retention is zero.
    void start();
    void stop();

    // What else a sweep deletes past the same cutoff (finished workflows): a
    // batch of at most `limit`, returning how many it deleted.
    using Sweep = std::function<std::size_t(SystemTime cutoff, std::size_t limit)>;
    void also_sweep(Sweep sweep) { also_.push_back(std::move(sweep)); }

    // One sweep now, on the core thread, with the cutoff of this moment;
    // `done` gets how many operations it deleted.
    void sweep(std::function<void(std::size_t deleted)> done);

private:
    void arm();
    void delete_batch(SystemTime cutoff, std::size_t so_far, std::function<void(std::size_t)> done);

    boost::asio::io_context& core_;
    CoreTimers& timers_;
    Database& database_;
    OperationRepository& operations_;
    FinishedCache& finished_;
    const Clock& clock_;
    const std::chrono::milliseconds retention_;
    const std::size_t batch_;
    TimerId next_sweep_ = 0;
    bool stopped_ = false;
    std::vector<Sweep> also_;
};

}  // namespace fleet::backend
