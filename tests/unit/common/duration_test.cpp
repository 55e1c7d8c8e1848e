#include "common/duration.hpp"

#include <catch2/catch.hpp>

#include <stdexcept>

using fleet::parse_duration;
using namespace std::chrono;

TEST_CASE("durations accept plain seconds and units", "[duration]") {
    CHECK(parse_duration("0.5") == milliseconds(500));
    CHECK(parse_duration("30") == seconds(30));
    CHECK(parse_duration("500ms") == milliseconds(500));
    CHECK(parse_duration("10s") == seconds(10));
    CHECK(parse_duration("5m") == minutes(5));
    CHECK(parse_duration("1h") == hours(1));
    CHECK(parse_duration("30d") == hours(30 * 24));
    CHECK(parse_duration("0.5d") == hours(12));
    CHECK(parse_duration("0") == milliseconds(0));
}

TEST_CASE("durations refuse what they cannot read", "[duration]") {
    CHECK_THROWS_AS(parse_duration(""), std::invalid_argument);
    CHECK_THROWS_AS(parse_duration("soon"), std::invalid_argument);
    CHECK_THROWS_AS(parse_duration("10 parsecs"), std::invalid_argument);
    CHECK_THROWS_AS(parse_duration("-1s"), std::invalid_argument);
    CHECK_THROWS_AS(parse_duration("nan"), std::invalid_argument);
    CHECK_THROWS_AS(parse_duration("1w"), std::invalid_argument);
}

TEST_CASE("durations refuse what a clock cannot hold", "[duration]") {
    // Found by tests/fuzz (fuzz_duration): this read as a negative duration.
    CHECK_THROWS_AS(parse_duration("13333333333333333333333333333"), std::invalid_argument);
    CHECK_THROWS_AS(parse_duration("1e300ms"), std::invalid_argument);
    CHECK_THROWS_AS(parse_duration("11575d"), std::invalid_argument);
    CHECK(parse_duration("1000000000") == seconds(1'000'000'000));
    CHECK(parse_duration("11574d") == hours(11574 * 24));
}
