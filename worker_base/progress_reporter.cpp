#include "worker_base/progress_reporter.hpp"

#include "worker_base/operation_json.hpp"
#include "worker_base/operations_service.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <unordered_set>
#include <utility>

namespace fleet::worker {

struct ProgressReporter::Timer {
    explicit Timer(boost::asio::io_context& io) : timer(io) {}
    boost::asio::steady_timer timer;
    std::atomic<bool> stopped{false};  // set from any thread; the next round sees it
};

ProgressReporter::ProgressReporter(boost::asio::io_context& io, OperationsService& operations, Send send,
                                   std::chrono::milliseconds interval)
    : timer_(std::make_unique<Timer>(io)), operations_(operations), send_(std::move(send)), interval_(interval) {}

ProgressReporter::~ProgressReporter() = default;

void ProgressReporter::start() { arm(); }

void ProgressReporter::stop() { timer_->stopped = true; }

void ProgressReporter::arm() {
    if (timer_->stopped) return;
    timer_->timer.expires_after(interval_);
    timer_->timer.async_wait([this](const boost::system::error_code& ec) {
        if (ec || timer_->stopped) return;
        report_once();
        arm();
    });
}

void ProgressReporter::report_once() {
    const auto now = SystemClock::instance().now();
    std::unordered_set<std::string> active;
    boost::json::array moved;
    for (const auto& id : operations_.active_ids()) {
        active.insert(id);
        const auto view = operations_.get(id);
        if (!view || view->status != OperationStatus::Running || !view->started_at) continue;
        if (now - *view->started_at < interval_) continue;
        std::string told = std::to_string(view->progress.percentage) + "|" + view->progress.current_step;
        auto& last = told_[id];
        if (last == told) continue;
        last = std::move(told);
        moved.emplace_back(to_json(*view));
        if (moved.size() == kMaxPerSend) send_(std::exchange(moved, {}));
    }
    if (!moved.empty()) send_(std::move(moved));
    std::erase_if(told_, [&](const auto& entry) { return !active.contains(entry.first); });
}

}  // namespace fleet::worker
