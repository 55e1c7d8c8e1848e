#include "worker_base/cancellation.hpp"

#include <catch2/catch.hpp>

#include <thread>

using fleet::worker::CancellationToken;
using fleet::worker::OperationCancelled;

TEST_CASE("copies of a token share one flag", "[cancellation]") {
    CancellationToken token;
    const CancellationToken copy = token;
    CHECK_FALSE(copy.is_cancelled());
    CHECK_NOTHROW(copy.throw_if_cancelled());
    token.cancel();
    CHECK(copy.is_cancelled());
    CHECK_THROWS_AS(copy.throw_if_cancelled(), OperationCancelled);
}

TEST_CASE("a token cancelled on one thread is seen on another", "[cancellation]") {
    CancellationToken token;
    std::thread canceller([token] { token.cancel(); });
    canceller.join();
    CHECK(token.is_cancelled());
    CHECK_FALSE(CancellationToken{}.is_cancelled());
}

TEST_CASE("wait_until sleeps to its deadline, or until a cancel from another thread", "[cancellation]") {
    using namespace std::chrono_literals;
    using Clock = std::chrono::steady_clock;
    CancellationToken token;
    const auto began = Clock::now();
    CHECK_FALSE(token.wait_until(began + 20ms));
    CHECK(Clock::now() - began >= 20ms);

    std::thread canceller([token] {
        std::this_thread::sleep_for(20ms);
        token.cancel();
    });
    const auto waited = Clock::now();
    CHECK(token.wait_until(waited + 60s));  // ended by the cancel, not the deadline
    canceller.join();
    CHECK(Clock::now() - waited < 30s);
    CHECK(token.wait_until(Clock::now() + 60s));  // already cancelled: at once
}
