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
