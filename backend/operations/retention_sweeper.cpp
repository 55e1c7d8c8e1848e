#include "backend/operations/retention_sweeper.hpp"

#include "backend/operations/finished_cache.hpp"
#include "backend/operations/retention.hpp"
#include "backend/storage/database.hpp"
#include "backend/storage/operation_repository.hpp"
#include "common/log.hpp"

#include <boost/asio/post.hpp>

#include <utility>

namespace fleet::backend {
namespace asio = boost::asio;

RetentionSweeper::RetentionSweeper(asio::io_context& core, CoreTimers& timers, Database& database,
                                   OperationRepository& operations, FinishedCache& finished, const Clock& clock,
                                   std::chrono::milliseconds retention, std::size_t batch)
    : core_(core),
      timers_(timers),
      database_(database),
      operations_(operations),
      finished_(finished),
      clock_(clock),
      retention_(retention),
      batch_(batch) {}

void RetentionSweeper::start() {
    if (!retention_cutoff(clock_.now(), retention_)) return;
    asio::post(core_, [this] { arm(); });
}

void RetentionSweeper::stop() {
    asio::post(core_, [this] {
        stopped_ = true;
        timers_.cancel(next_sweep_);
    });
}

void RetentionSweeper::arm() {
    if (stopped_) return;
    next_sweep_ = timers_.after(sweep_interval(retention_), [this] {
        if (stopped_) return;
        sweep([this](std::size_t deleted) {
            if (deleted > 0) log::info("retention: deleted ", deleted, " finished operations");
            arm();
        });
    });
}

void RetentionSweeper::sweep(std::function<void(std::size_t deleted)> done) {
    const auto cutoff = retention_cutoff(clock_.now(), retention_);
    if (!cutoff) return done(0);
    delete_batch(*cutoff, 0, std::move(done));
}

void RetentionSweeper::delete_batch(SystemTime cutoff, std::size_t so_far, std::function<void(std::size_t)> done) {
    auto deleted = operations_.delete_finished_before(cutoff, batch_);
    const std::size_t total = so_far + deleted.size();
    bool more = more_to_sweep(deleted.size(), batch_);
    for (const auto& sweep : also_) more = more_to_sweep(sweep(cutoff, batch_), batch_) || more;
    // Once the delete is committed, like every answer.
    if (!deleted.empty()) database_.after_commit([this, ids = std::move(deleted)] { finished_.erase(ids); });
    if (!more) return done(total);
    asio::post(core_, [this, cutoff, total, done = std::move(done)]() mutable {
        if (stopped_) return done(total);
        delete_batch(cutoff, total, std::move(done));
    });
}

}  // namespace fleet::backend
