#include "backend/metrics.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <string>

using namespace fleet;
using namespace fleet::backend;
using namespace std::chrono_literals;

TEST_CASE("domain metrics: dispatches, ends, waits and runs by domain, and every known domain shown",
          "[metrics]") {
    DomainMetrics metrics;
    metrics.dispatched("echo", 20ms);
    metrics.dispatched("echo", 3s);
    metrics.finished("echo", OperationStatus::Completed, 40ms);
    metrics.finished("echo", OperationStatus::Failed, 2s);
    metrics.finished("echo", OperationStatus::Cancelled, std::nullopt);  // cancelled while queued: never ran
    const std::string text = metrics.prometheus({{"echo", 2}, {"backtests", 0}});
    INFO(text);
    auto has = [&](const std::string& line) { return text.find(line + "\n") != std::string::npos; };
    CHECK(has("# TYPE fleet_queue_depth gauge"));
    CHECK(has("fleet_queue_depth{domain=\"echo\"} 2"));
    CHECK(has("fleet_queue_depth{domain=\"backtests\"} 0"));
    CHECK(has("fleet_operations_dispatched_total{domain=\"echo\"} 2"));
    CHECK(has("fleet_operations_dispatched_total{domain=\"backtests\"} 0"));
    CHECK(has("fleet_operations_finished_total{domain=\"echo\",status=\"completed\"} 1"));
    CHECK(has("fleet_operations_finished_total{domain=\"echo\",status=\"failed\"} 1"));
    CHECK(has("fleet_operations_finished_total{domain=\"echo\",status=\"cancelled\"} 1"));
    CHECK(has("fleet_operation_queue_wait_seconds_bucket{domain=\"echo\",le=\"0.025\"} 1"));
    CHECK(has("fleet_operation_queue_wait_seconds_bucket{domain=\"echo\",le=\"+Inf\"} 2"));
    CHECK(has("fleet_operation_queue_wait_seconds_sum{domain=\"echo\"} 3.02"));
    CHECK(has("fleet_operation_run_seconds_count{domain=\"echo\"} 2"));
    CHECK(has("fleet_operation_run_seconds_bucket{domain=\"echo\",le=\"0.05\"} 1"));
    CHECK(has("fleet_operation_run_seconds_bucket{domain=\"backtests\",le=\"+Inf\"} 0"));
    // One HELP and TYPE per family, whatever the number of domains.
    std::size_t types = 0;
    for (auto at = text.find("# TYPE fleet_operation_run_seconds "); at != std::string::npos;
         at = text.find("# TYPE fleet_operation_run_seconds ", at + 1))
        ++types;
    CHECK(types == 1);
}

TEST_CASE("latency histogram: the unlabelled form is unchanged", "[metrics]") {
    LatencyHistogram histogram;
    histogram.observe(2ms);
    const std::string text = histogram.prometheus("fleet_x_seconds", "X.");
    CHECK(text.find("# HELP fleet_x_seconds X.\n# TYPE fleet_x_seconds histogram\n") == 0);
    CHECK(text.find("fleet_x_seconds_bucket{le=\"0.001\"} 0\n") != std::string::npos);
    CHECK(text.find("fleet_x_seconds_bucket{le=\"0.0025\"} 1\n") != std::string::npos);
    CHECK(text.find("fleet_x_seconds_bucket{le=\"+Inf\"} 1\n") != std::string::npos);
    CHECK(text.find("fleet_x_seconds_sum 0.002\n") != std::string::npos);
    CHECK(text.find("fleet_x_seconds_count 1\n") != std::string::npos);
}
