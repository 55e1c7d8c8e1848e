#include "backend/core/core_timers.hpp"
#include "backend/core/timer_queue.hpp"
#include "tests/support/io_loop.hpp"
#include "tests/support/manual_clock.hpp"
#include "tests/support/wait.hpp"

#include <boost/asio/post.hpp>
#include <catch2/catch.hpp>

#include <atomic>
#include <future>
#include <string>
#include <vector>

using namespace fleet;
using namespace fleet::backend;
using namespace std::chrono_literals;

TEST_CASE("timer queue: nothing runs before its time; then earliest first, ties in the order set", "[timers]") {
    test::ManualClock clock;
    TimerQueue queue;
    std::vector<std::string> ran;
    const auto t0 = clock.now();
    queue.at(t0 + 300ms, [&] { ran.push_back("c"); });
    queue.at(t0 + 100ms, [&] { ran.push_back("a"); });
    queue.at(t0 + 300ms, [&] { ran.push_back("d"); });
    queue.at(t0 + 200ms, [&] { ran.push_back("b"); });
    REQUIRE(queue.next_due() == t0 + 100ms);

    CHECK(queue.run_due(t0 + 99ms) == 0);
    CHECK(ran.empty());
    clock.advance(250ms);
    CHECK(queue.run_due(clock.now()) == 2);
    CHECK(ran == std::vector<std::string>{"a", "b"});
    clock.advance(1h);
    CHECK(queue.run_due(clock.now()) == 2);
    CHECK(ran == std::vector<std::string>{"a", "b", "c", "d"});
    CHECK(queue.size() == 0);
    CHECK_FALSE(queue.next_due());
}

TEST_CASE("timer queue: a cancelled timer never runs; cancelling twice or after it ran says so", "[timers]") {
    test::ManualClock clock;
    TimerQueue queue;
    int runs = 0;
    const auto kept = queue.at(clock.now() + 1s, [&] { ++runs; });
    const auto dropped = queue.at(clock.now() + 1s, [&] { runs += 100; });
    CHECK(queue.cancel(dropped));
    CHECK_FALSE(queue.cancel(dropped));
    CHECK(queue.run_due(clock.now() + 1s) == 1);
    CHECK(runs == 1);
    CHECK_FALSE(queue.cancel(kept));
}

TEST_CASE("timer queue: callbacks may set and cancel timers; what they set waits for the next call", "[timers]") {
    test::ManualClock clock;
    TimerQueue queue;
    const auto now = clock.now();
    int beats = 0;
    std::function<void()> beat = [&] {
        ++beats;
        queue.at(now, beat);  // due at once, again and again: must not loop inside one call
    };
    queue.at(now, beat);
    TimerId victim = 0;
    queue.at(now, [&] { CHECK(queue.cancel(victim)); });
    victim = queue.at(now, [] { FAIL("a cancelled timer ran"); });

    CHECK(queue.run_due(now) == 2);
    CHECK(beats == 1);
    CHECK(queue.run_due(now) == 1);
    CHECK(beats == 2);
}

TEST_CASE("timer queue: a backoff of doubling delays, driven by hand in microseconds", "[timers]") {
    test::ManualClock clock;
    TimerQueue queue;
    std::vector<long long> fired_at_ms;
    std::chrono::milliseconds delay{100};
    const auto start = clock.now();
    std::function<void()> retry = [&] {
        fired_at_ms.push_back(std::chrono::duration_cast<std::chrono::milliseconds>(clock.now() - start).count());
        if (fired_at_ms.size() < 5) queue.at(clock.now() + (delay *= 2), retry);
    };
    queue.at(start + delay, retry);
    for (int i = 0; i < 100 && queue.size() > 0; ++i) {
        clock.advance(50ms);
        queue.run_due(clock.now());
    }
    CHECK(fired_at_ms == std::vector<long long>{100, 300, 700, 1500, 3100});
}

TEST_CASE("core timers: run on the core thread when due, earliest first; a cancelled or stopped one never", "[timers]") {
    test::IoLoop core;
    std::promise<std::vector<std::string>> done;
    auto ran = std::make_shared<std::vector<std::string>>();
    CoreTimers timers(core.io, SystemClock::instance());
    boost::asio::post(core.io, [&] {
        timers.after(120ms, [&, ran] {
            ran->push_back("late");
            done.set_value(*ran);
        });
        timers.after(60ms, [ran] { ran->push_back("early"); });
        const auto cancelled = timers.after(30ms, [ran] { ran->push_back("cancelled"); });
        timers.cancel(cancelled);
        // Set after a later one: the wake-up moves earlier.
        timers.after(10ms, [ran] { ran->push_back("first"); });
    });
    auto result = done.get_future();
    REQUIRE(result.wait_for(5s) == std::future_status::ready);
    CHECK(result.get() == std::vector<std::string>{"first", "early", "late"});

    std::atomic<bool> ran_after_stop{false};
    std::promise<void> stopped;
    boost::asio::post(core.io, [&] {
        timers.after(10ms, [&] { ran_after_stop = true; });
        timers.stop();
        stopped.set_value();
    });
    stopped.get_future().wait();
    // The wake-up it had was cancelled; nothing else wakes it.
    CHECK_FALSE(test::eventually([&] { return ran_after_stop.load(); }, 200ms));
}
