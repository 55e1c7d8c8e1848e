#include "tests/support/manual_clock.hpp"
#include "worker_base/progress_bridge.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <thread>

using fleet::worker::ProgressBridge;
using namespace std::chrono;

TEST_CASE("progress keeps the latest percentage, step and fields", "[progress]") {
    fleet::test::ManualClock clock;
    ProgressBridge bridge(clock);
    bridge.update(10, "loading");
    bridge.set_field("current_row", 10);
    bridge.update(150);  // clamped; the step stays
    auto snap = bridge.snapshot();
    CHECK(snap.percentage == 100.0);
    CHECK(snap.current_step == "loading");
    CHECK(snap.fields.at("current_row") == 10);
    bridge.update(-5, "again");
    CHECK(bridge.snapshot().percentage == 0.0);
}

TEST_CASE("remaining time is estimated from elapsed time and percentage", "[progress]") {
    fleet::test::ManualClock clock;
    ProgressBridge bridge(clock);
    bridge.start();
    CHECK_FALSE(bridge.snapshot().estimated_remaining_seconds.has_value());
    clock.advance(seconds(10));
    bridge.update(25);
    CHECK(bridge.snapshot().estimated_remaining_seconds == Approx(30.0));
    bridge.update(100);
    CHECK(bridge.snapshot().estimated_remaining_seconds == Approx(0.0));
}

TEST_CASE("metrics are paged by cursor", "[progress][metrics]") {
    fleet::test::ManualClock clock;
    ProgressBridge bridge(clock);
    for (int i = 1; i <= 25; ++i) bridge.record_metric("loss", i);

    auto first = bridge.metrics_after(0, 10);
    REQUIRE(first.metrics.size() == 10);
    CHECK(first.metrics.front().value == 1);
    CHECK(first.cursor == 10);
    CHECK(first.has_more);

    auto rest = bridge.metrics_after(first.cursor, 100);
    REQUIRE(rest.metrics.size() == 15);
    CHECK(rest.metrics.front().value == 11);
    CHECK(rest.cursor == 25);
    CHECK_FALSE(rest.has_more);

    auto nothing = bridge.metrics_after(rest.cursor, 100);
    CHECK(nothing.metrics.empty());
    CHECK(nothing.cursor == 25);
    CHECK_FALSE(nothing.has_more);

    bridge.record_metric("loss", 26);
    auto after = bridge.metrics_after(rest.cursor, 100);
    REQUIRE(after.metrics.size() == 1);
    CHECK(after.metrics.front().value == 26);
}

TEST_CASE("metrics keep the newest ones past the bound", "[progress][metrics]") {
    ProgressBridge bridge;
    const auto total = ProgressBridge::kMaxMetrics + 5;
    for (std::size_t i = 1; i <= total; ++i) bridge.record_metric("m", static_cast<double>(i));
    auto page = bridge.metrics_after(0, 1);
    REQUIRE(page.metrics.size() == 1);
    CHECK(page.metrics.front().sequence == 6);  // the first five were dropped
    CHECK(bridge.metrics_after(total - 1, 10).metrics.size() == 1);
}

TEST_CASE("snapshots stay consistent while an engine updates at full speed", "[progress]") {
    ProgressBridge bridge;
    std::atomic<bool> stop{false};
    std::thread engine([&] {
        for (int i = 0; !stop.load(); i = (i + 1) % 100) bridge.update(i, i % 2 ? "odd" : "even");
    });
    for (int i = 0; i < 2000; ++i) {
        const auto snap = bridge.snapshot();
        REQUIRE(snap.percentage >= 0);
        REQUIRE(snap.percentage < 100);
    }
    stop = true;
    engine.join();
}
