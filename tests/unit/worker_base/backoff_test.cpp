#include "worker_base/backoff.hpp"

#include <catch2/catch.hpp>

#include <vector>

using fleet::worker::Backoff;
using std::chrono::milliseconds;
using std::chrono::seconds;

TEST_CASE("Backoff doubles from the initial delay up to the cap", "[backoff]") {
    Backoff backoff;
    std::vector<milliseconds> delays;
    for (int i = 0; i < 8; ++i) delays.push_back(backoff.next());
    const std::vector<milliseconds> expected{seconds(1),  seconds(2),  seconds(4),  seconds(8),
                                             seconds(16), seconds(30), seconds(30), seconds(30)};
    CHECK(delays == expected);
}

TEST_CASE("Backoff starts over after reset", "[backoff]") {
    Backoff backoff(milliseconds(20), milliseconds(100));
    CHECK(backoff.next() == milliseconds(20));
    CHECK(backoff.next() == milliseconds(40));
    CHECK(backoff.next() == milliseconds(80));
    CHECK(backoff.next() == milliseconds(100));
    backoff.reset();
    CHECK(backoff.next() == milliseconds(20));
    CHECK(backoff.next() == milliseconds(40));
}

TEST_CASE("Backoff never exceeds a cap below the initial delay", "[backoff]") {
    Backoff backoff(seconds(5), seconds(2));
    CHECK(backoff.next() == seconds(5));
    CHECK(backoff.next() == seconds(5));
}
