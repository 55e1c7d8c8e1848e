#include "common/clock.hpp"

#include <catch2/catch.hpp>

using namespace std::chrono;

TEST_CASE("timestamps are UTC ISO 8601 with milliseconds and Z", "[clock]") {
    CHECK(fleet::to_iso8601(fleet::SystemTime{}) == "1970-01-01T00:00:00.000Z");
    const fleet::SystemTime t{milliseconds(1'795'000'000'123)};
    CHECK(fleet::to_iso8601(t) == "2026-11-18T11:06:40.123Z");
    CHECK(fleet::to_iso8601(fleet::SystemTime{milliseconds(-1)}) == "1969-12-31T23:59:59.999Z");
}
