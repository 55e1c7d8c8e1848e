#include "worker_base/result_limit.hpp"

#include <boost/json/serialize.hpp>
#include <catch2/catch.hpp>

#include <string>

using fleet::worker::result_too_large;

TEST_CASE("result_too_large: up to the limit a result may leave; past it, why not", "[result_limit]") {
    const boost::json::value small = boost::json::object{{"rows", 3}};
    CHECK_FALSE(result_too_large(small, 1024));
    CHECK_FALSE(result_too_large(nullptr, 1024));

    // Exactly at the limit is allowed; past it is not.
    const boost::json::value exact = boost::json::object{{"blob", std::string(100 * 1024 - 11, 'x')}};
    REQUIRE(boost::json::serialize(exact).size() == 100 * 1024);
    CHECK_FALSE(result_too_large(exact, 100 * 1024));
    const auto refused = result_too_large(exact, 100 * 1024 - 1);
    REQUIRE(refused);
    CHECK(*refused == "result of 102400 bytes exceeds the 102399 bytes limit (--max-result-bytes); "
                      "write large outputs to a file and return its path");
}

TEST_CASE("result_too_large: the message gives the size and the limit as people read them", "[result_limit]") {
    const boost::json::value big = boost::json::object{{"blob", std::string(12'300'000, 'x')}};
    const auto refused = result_too_large(big, 8 * 1024 * 1024);
    REQUIRE(refused);
    CHECK(refused->starts_with("result of 12.3 MB exceeds the 8 MiB limit (--max-result-bytes)"));
}
