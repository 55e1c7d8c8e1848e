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

TEST_CASE("memory is met in memory_gb or memory_mb, whichever the worker reports", "[requirements]") {
    const boost::json::object reports_gb{{"cores", 8}, {"memory_gb", 16}};
    CHECK(meets(reports_gb, {{"memory_gb", 16}}));
    CHECK(meets(reports_gb, {{"memory_gb", 8.5}}));
    CHECK_FALSE(meets(reports_gb, {{"memory_gb", 32}}));
    CHECK(meets(reports_gb, {{"memory_mb", 16384}}));
    CHECK_FALSE(meets(reports_gb, {{"memory_mb", 16385}}));

    // A worker registered before memory_gb, or given --capabilities with memory_mb.
    const boost::json::object reports_mb{{"cores", 8}, {"memory_mb", 16384}};
    CHECK(meets(reports_mb, {{"memory_gb", 16}}));
    CHECK_FALSE(meets(reports_mb, {{"memory_gb", 17}}));
    CHECK(meets(reports_mb, {{"memory_mb", 4096}, {"cores", 8}}));

    CHECK_FALSE(meets({{"cores", 8}}, {{"memory_gb", 1}}));
    CHECK_FALSE(meets({{"memory_gb", "lots"}}, {{"memory_gb", 1}}));
    // Not a number: compared as any other value, in its own unit only.
    CHECK(meets(reports_gb, {{"memory_gb", 16}, {"cores", 8}}));
    CHECK_FALSE(meets(reports_gb, {{"memory_mb", "16384"}}));
}
