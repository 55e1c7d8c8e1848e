#include "backend/dispatch/requirements.hpp"

#include <catch2/catch.hpp>

using fleet::backend::meets;

TEST_CASE("numbers are minimums, other values must be equal, missing ones are not met", "[requirements]") {
    const boost::json::object capabilities{{"cores", 8}, {"memory_mb", 16384.5}, {"gpu", true}, {"zone", "eu"}};
    CHECK(meets(capabilities, {}));
    CHECK(meets(capabilities, {{"cores", 8}}));
    CHECK(meets(capabilities, {{"cores", 4}, {"memory_mb", 1024}}));
    CHECK_FALSE(meets(capabilities, {{"cores", 16}}));
    CHECK(meets(capabilities, {{"gpu", true}, {"zone", "eu"}}));
    CHECK_FALSE(meets(capabilities, {{"gpu", false}}));
    CHECK_FALSE(meets(capabilities, {{"zone", "us"}}));
    CHECK_FALSE(meets(capabilities, {{"tpu", true}}));
    CHECK_FALSE(meets(capabilities, {{"zone", 3}}));
    CHECK_FALSE(meets({{"cores", "many"}}, {{"cores", 2}}));
}
