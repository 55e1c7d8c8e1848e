#pragma once

#include "common/clock.hpp"

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fleet::worker {

struct ProgressSnapshot {
    double percentage = 0;
    std::string current_step;
    std::optional<double> estimated_remaining_seconds;
    boost::json::object fields;  // domain fields, e.g. current_row, total_rows
};

struct Metric {
    std::uint64_t sequence = 0;  // 1, 2, 3 ... per operation; the cursor
    SystemTime timestamp;
    std::string name;
    double value = 0;
};

struct MetricsPage {
    std::vector<Metric> metrics;
    std::uint64_t cursor = 0;  // pass back to get what came after
    bool has_more = false;
};

// The engine writes progress and metrics here; the operations service reads
// snapshots when asked. Writers and readers hold the lock only to copy a few
// fields, so the rate of updates does not slow queries.
class ProgressBridge {
public:
    static constexpr std::size_t kMaxMetrics = 10'000;  // oldest dropped past this

    explicit ProgressBridge(const Clock& clock = SystemClock::instance());

    // Percentage is clamped to [0, 100]; an empty step keeps the previous one.
    void update(double percentage, std::string_view current_step = {});
    void set_field(std::string_view name, boost::json::value value);
    void record_metric(std::string_view name, double value);

    // Marks the start of the work, for the remaining-time estimate.
    void start();

    ProgressSnapshot snapshot() const;
    MetricsPage metrics_after(std::uint64_t cursor, std::size_t limit) const;

private:
    const Clock& clock_;
    mutable std::mutex mutex_;
    double percentage_ = 0;
    std::string current_step_;
    boost::json::object fields_;
    std::optional<SystemTime> started_;
    std::deque<Metric> metrics_;
    std::uint64_t next_sequence_ = 1;
};

}  // namespace fleet::worker
