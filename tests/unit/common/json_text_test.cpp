#include "common/json/parse.hpp"
#include "common/json/text.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <catch2/catch.hpp>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <string>

using fleet::json::append_text;
using fleet::json::text_size;
using fleet::json::to_stored_text;
using fleet::json::to_text;

namespace {

std::string number(double x) { return to_text(boost::json::value(x)); }

}  // namespace

TEST_CASE("json::to_text writes doubles as the shortest decimal that reads back the same", "[json]") {
    CHECK(number(100.0) == "100");
    CHECK(number(0.7299449454988162) == "0.7299449454988162");
    CHECK(number(0.5) == "0.5");
    CHECK(number(-2.25) == "-2.25");
    CHECK(number(0.1) == "0.1");
    CHECK(number(0.0) == "0");
    CHECK(number(1e21) == "1e+21");
    CHECK(number(1e-7) == "1e-07");
    CHECK(number(123456789012.5) == "123456789012.5");
    // What Boost 1.81 writes for the same values, which the issue was about.
    CHECK(boost::json::serialize(boost::json::value(100.0)) == "1E2");

    // JSON has no infinity or NaN.
    CHECK(number(std::numeric_limits<double>::infinity()) == "null");
    CHECK(number(std::nan("")) == "null");
}

TEST_CASE("json::to_text round-trips every double through Fleet's reader", "[json]") {
    std::mt19937_64 random(11);
    std::uniform_int_distribution<std::uint64_t> bits;
    int checked = 0;
    for (int i = 0; i < 20000; ++i) {
        double x;
        const auto raw = bits(random);
        std::memcpy(&x, &raw, sizeof x);
        if (!std::isfinite(x)) continue;
        boost::system::error_code ec;
        const auto back = fleet::json::parse(number(x), ec);
        REQUIRE_FALSE(ec);
        INFO(number(x));
        REQUIRE(back.to_number<double>() == x);
        ++checked;
    }
    CHECK(checked > 19000);
}

TEST_CASE("json::to_text writes the rest as Boost does", "[json]") {
    const char* documents[] = {
        R"({"a":1,"b":-2,"c":18446744073709551615,"d":true,"e":false,"f":null,"g":[],"h":{}})",
        R"([{"x":[1,[2,[3]]]},"s",-9223372036854775808])",
        R"({"quote\"back\\slash":"tab\tnew\nline\rcr\bbs\fff\u0001\u001f","utf8":"h\u00e9llo \u20ac"})",
        R"("")",
    };
    for (const char* text : documents) {
        const auto value = boost::json::parse(text);
        INFO(text);
        CHECK(to_text(value) == boost::json::serialize(value));
        CHECK(text_size(value) == to_text(value).size());
        CHECK(boost::json::parse(to_text(value)) == value);
    }
    std::string out = "x=";
    append_text(out, boost::json::value{{"n", 1.5}});
    CHECK(out == R"(x={"n":1.5})");
}

TEST_CASE("json::to_text escapes every byte that needs it, wherever it sits in a long string", "[json]") {
    // Text is scanned 8 bytes at a time: each byte below 0x20, '"', '\\', and bytes that need no escape
    // (' ', '!', '#', '[', ']', 0x7f, UTF-8's 0xc3 and 0xa9), at each position of strings 1 to 24 long.
    std::string special;
    for (int c = 0; c < 0x20; ++c) special += static_cast<char>(c);
    special += "\"\\ !#[]\x7f\xc3\xa9";
    for (std::size_t length = 1; length <= 24; ++length) {
        for (std::size_t at = 0; at < length; ++at) {
            for (const char c : special) {
                std::string text(length, 'a');
                text[at] = c;
                if (at + 3 < length) text[at + 3] = '"';  // a second one in the same word
                const boost::json::value value(boost::json::string(text.data(), text.size()));
                INFO("length " << length << ", byte " << static_cast<int>(static_cast<unsigned char>(c)) << " at " << at);
                REQUIRE(to_text(value) == boost::json::serialize(value));
            }
        }
    }
}

TEST_CASE("json::to_text keeps up with boost::json::serialize", "[json]") {
    // A large operation list, as the backend writes on every request.
    boost::json::array operations;
    for (int i = 0; i < 2000; ++i)
        operations.push_back(boost::json::object{{"operation_id", "op_" + std::to_string(i)},
                                                 {"status", "running"},
                                                 {"progress", {{"percentage", i * 0.0137}, {"current_row", i}}},
                                                 {"created_at", "2026-11-30T02:00:00.000Z"}});
    const boost::json::value value(std::move(operations));
    const auto time = [](auto&& f) {
        const auto start = std::chrono::steady_clock::now();
        std::size_t size = 0;
        for (int i = 0; i < 20; ++i) size += f().size();
        CHECK(size > 0);
        return std::chrono::steady_clock::now() - start;
    };
    const auto ours = time([&] { return to_text(value); });
    const auto boosts = time([&] { return boost::json::serialize(value); });
    // Generous: the point is no stream per number, not a race. Under ASan or TSan
    // (scripts/test --sanitize) our code is instrumented and Boost.JSON's library is not:
    // there is nothing to compare.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
    static_cast<void>(ours < boosts);
#else
    CHECK(ours < boosts * 3);
#endif
}

TEST_CASE("json::to_stored_text keeps each number's kind through Fleet's reader", "[json]") {
    const boost::json::value value{{"whole", 100.0}, {"minus_zero", -0.0}, {"int", 100}, {"half", 0.5},
                                   {"big", 1e300}, {"list", {5.0, 5}}};
    const std::string text = to_stored_text(value);
    CHECK(text == R"({"whole":100.0,"minus_zero":-0.0,"int":100,"half":0.5,"big":1e+300,"list":[5.0,5]})");
    boost::system::error_code ec;
    const auto back = fleet::json::parse(text, ec);
    REQUIRE_FALSE(ec);
    CHECK(back == value);
    CHECK(back.at("whole").is_double());
    CHECK(back.at("int").is_int64());
    CHECK(std::signbit(back.at("minus_zero").as_double()));
    // What leaves Fleet is the plain form.
    CHECK(to_text(value) == R"({"whole":100,"minus_zero":-0,"int":100,"half":0.5,"big":1e+300,"list":[5,5]})");
}
