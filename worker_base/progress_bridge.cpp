#include "worker_base/progress_bridge.hpp"

#include <algorithm>
#include <chrono>

namespace fleet::worker {
namespace {

constexpr std::size_t kFieldsReserved = 8;

}  // namespace

ProgressBridge::ProgressBridge(const Clock& clock) : clock_(clock) {}

void ProgressBridge::update(double percentage, std::string_view current_step) {
    const double clamped = std::clamp(percentage, 0.0, 100.0);
    std::lock_guard lock(mutex_);
    percentage_ = clamped;
    if (!current_step.empty()) current_step_.assign(current_step);
}

void ProgressBridge::set_field(std::string_view name, boost::json::value value) {
    std::lock_guard lock(mutex_);
    // Room for a few fields at the first: a JSON object grows one slot at a time at first, each a new table.
    if (fields_.capacity() == 0) fields_.reserve(kFieldsReserved);
    fields_[name] = std::move(value);
}

void ProgressBridge::record_metric(std::string_view name, double value) {
    const SystemTime now = clock_.now();
    std::lock_guard lock(mutex_);
    metrics_.push_back(Metric{next_sequence_++, now, std::string(name), value});
    if (metrics_.size() > kMaxMetrics) metrics_.pop_front();
}

void ProgressBridge::start() {
    const SystemTime now = clock_.now();
    std::lock_guard lock(mutex_);
    started_ = now;
}

ProgressSnapshot ProgressBridge::snapshot() const {
    const SystemTime now = clock_.now();
    ProgressSnapshot out;
    std::optional<SystemTime> started;
    {
        std::lock_guard lock(mutex_);
        out.percentage = percentage_;
        out.current_step = current_step_;
        out.fields = fields_;
        started = started_;
    }
    if (started && out.percentage > 0 && out.percentage < 100) {
        const double elapsed = std::chrono::duration<double>(now - *started).count();
        out.estimated_remaining_seconds = elapsed * (100.0 - out.percentage) / out.percentage;
    } else if (out.percentage >= 100) {
        out.estimated_remaining_seconds = 0.0;
    }
    return out;
}

MetricsPage ProgressBridge::metrics_after(std::uint64_t cursor, std::size_t limit) const {
    MetricsPage page;
    page.cursor = cursor;
    std::lock_guard lock(mutex_);
    // Sequences are contiguous, so the first one after the cursor is found by offset.
    auto it = metrics_.begin();
    if (!metrics_.empty() && cursor >= metrics_.front().sequence)
        it += static_cast<std::ptrdiff_t>(std::min<std::uint64_t>(cursor - metrics_.front().sequence + 1, metrics_.size()));
    for (; it != metrics_.end() && page.metrics.size() < limit; ++it) page.metrics.push_back(*it);
    if (!page.metrics.empty()) page.cursor = page.metrics.back().sequence;
    page.has_more = it != metrics_.end();
    return page;
}

}  // namespace fleet::worker
