#include "common/http/error.hpp"
#include "common/json/fields.hpp"

#include <boost/json/parse.hpp>
#include <catch2/catch.hpp>

using namespace fleet;

namespace {

std::string message_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const http::ApiError& error) {
        CHECK(error.status() == 400);
        return error.what();
    }
    FAIL("expected an ApiError");
    return {};
}

}  // namespace

TEST_CASE("parse_object accepts objects and names what is wrong otherwise", "[json]") {
    CHECK(json::parse_object(R"({"a": 1})").at("a") == 1);
    CHECK(json::parse_object("", true).empty());
    CHECK(message_of([] { json::parse_object(""); }).find("JSON object") != std::string::npos);
    CHECK(message_of([] { json::parse_object("{\"a\": "); }).find("malformed JSON") != std::string::npos);
    CHECK(message_of([] { json::parse_object("[1, 2]"); }).find("JSON object") != std::string::npos);
}

TEST_CASE("typed field readers name the field and the expected type", "[json]") {
    const auto obj = boost::json::parse(R"({"s": "x", "i": 7, "f": 2.5, "whole": 3.0, "b": true, "n": null, "arr": [1], "o": {}})").as_object();
    CHECK(json::required_string(obj, "s") == "x");
    CHECK(json::required_int(obj, "i") == 7);
    CHECK(json::required_int(obj, "whole") == 3);
    CHECK(json::required_number(obj, "f") == 2.5);
    CHECK(json::required_number(obj, "i") == 7.0);
    CHECK(json::optional_bool(obj, "b") == true);
    CHECK_FALSE(json::optional_string(obj, "n").has_value());
    CHECK_FALSE(json::optional_int(obj, "absent").has_value());
    CHECK(json::optional_array(obj, "arr")->size() == 1);
    CHECK(json::optional_object(obj, "o") != nullptr);

    CHECK(message_of([&] { json::required_string(obj, "absent"); }) == "missing required field 'absent'");
    CHECK(message_of([&] { json::required_string(obj, "i"); }) == "'i' must be a string");
    CHECK(message_of([&] { json::required_int(obj, "f"); }) == "'f' must be an integer");
    CHECK(message_of([&] { json::required_number(obj, "s"); }) == "'s' must be a number");
    CHECK(message_of([&] { json::optional_bool(obj, "i"); }) == "'i' must be true or false");
    CHECK(message_of([&] { json::optional_array(obj, "o"); }) == "'o' must be an array");
}

TEST_CASE("unknown fields and failed checks are refused by name", "[json]") {
    const auto obj = boost::json::parse(R"({"known": 1, "stray": 2})").as_object();
    CHECK(message_of([&] { json::reject_unknown_fields(obj, {"known"}); }) == "unknown field 'stray'");
    CHECK_NOTHROW(json::reject_unknown_fields(obj, {"known", "stray"}));
    CHECK(message_of([] { json::require(false, "slow", "must be greater than 'fast'"); }) ==
          "'slow' must be greater than 'fast'");
}
