#include "common/json/parse.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <catch2/catch.hpp>

#include <charconv>
#include <random>
#include <string>

using fleet::json::parse;

namespace {

std::string shortest(double x) {
    char buffer[64];
    const auto [end, error] = std::to_chars(buffer, buffer + sizeof buffer, x);
    REQUIRE(error == std::errc{});
    return std::string(buffer, end);
}

}  // namespace

TEST_CASE("json::parse reads every double exactly as it was written", "[json]") {
    std::mt19937_64 random(7);
    std::uniform_real_distribution<double> wide(-1e6, 1e6);
    std::uniform_real_distribution<double> unit(0, 1);
    int boost_inexact = 0;
    for (int i = 0; i < 20000; ++i) {
        const double x = i % 2 ? wide(random) : unit(random);
        const std::string text = "{\"x\":" + shortest(x) + "}";
        boost::system::error_code ec;
        const auto value = parse(text, ec);
        REQUIRE_FALSE(ec);
        REQUIRE(value.at("x").as_double() == x);
        if (boost::json::parse(text).at("x").as_double() != x) ++boost_inexact;
    }
    // What this function is for: Boost.JSON 1.81 alone gets some of them wrong.
    INFO(boost_inexact << " of 20000 read inexactly by boost::json::parse");
    CHECK(boost_inexact > 0);
}

TEST_CASE("json::parse builds the same values as boost::json::parse", "[json]") {
    const std::string text =
        R"({"s":"caf\u00e9","i":-42,"u":18446744073709551615,"d":1.5e-7,"b":true,"n":null,)"
        R"("a":[1,[2,{"k":"v"}],"x"],"o":{},"e":[],"big":1e999,"neg":-0.0})";
    boost::system::error_code ec;
    const auto ours = parse(text, ec);
    REQUIRE_FALSE(ec);
    CHECK(ours == boost::json::parse(text));
    CHECK(ours.at("u").is_uint64());
    CHECK(ours.at("i").is_int64());
}

TEST_CASE("json::parse refuses what boost::json::parse refuses, and data after the document", "[json]") {
    for (const std::string bad : {"", "   ", "{", "{\"a\":}", "[1,2", "{\"a\":1} x", "{}{}", "nul", "1 2"}) {
        INFO("input: '" << bad << "'");
        boost::system::error_code ec;
        parse(bad, ec);
        CHECK(ec);
    }
    for (const std::string fine : {"{}", "  {\"a\": 1}  \n", "[]", "3.25", "\"s\""}) {
        INFO("input: '" << fine << "'");
        boost::system::error_code ec;
        const auto value = parse(fine, ec);
        CHECK_FALSE(ec);
        CHECK(value == boost::json::parse(fine));
    }
}
