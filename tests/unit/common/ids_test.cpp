#include "common/ids.hpp"

#include <catch2/catch.hpp>

#include <set>

TEST_CASE("random_hex gives lowercase hex of the asked length, different each time", "[ids]") {
    std::set<std::string> seen;
    for (int i = 0; i < 1000; ++i) {
        const auto id = fleet::random_hex(12);
        REQUIRE(id.size() == 12);
        REQUIRE(id.find_first_not_of("0123456789abcdef") == std::string::npos);
        seen.insert(id);
    }
    CHECK(seen.size() == 1000);
}

TEST_CASE("plain ids are [A-Za-z0-9_.:-]{1,128}", "[ids]") {
    CHECK(fleet::is_plain_id("worker_0a1b2c3d4e5f"));
    CHECK(fleet::is_plain_id("op-1.2:3"));
    CHECK(fleet::is_plain_id(std::string(128, 'a')));
    CHECK_FALSE(fleet::is_plain_id(""));
    CHECK_FALSE(fleet::is_plain_id(std::string(129, 'a')));
    CHECK_FALSE(fleet::is_plain_id("../etc/passwd"));
    CHECK_FALSE(fleet::is_plain_id("a b"));
    CHECK_FALSE(fleet::is_plain_id("x'; DROP TABLE"));
}
