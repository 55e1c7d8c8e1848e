#include "common/ids.hpp"

#include <catch2/catch.hpp>

#include <set>
#include <thread>
#include <vector>

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

TEST_CASE("random_hex of 24 characters (an operation id's 96 bits) differs across threads", "[ids]") {
    // Each thread seeds its own generator: threads started together must not share a stream.
    constexpr int kThreads = 8;
    std::vector<std::string> first(kThreads);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) threads.emplace_back([&first, t] { first[t] = fleet::random_hex(24); });
    for (auto& thread : threads) thread.join();
    const std::set<std::string> distinct(first.begin(), first.end());
    CHECK(distinct.size() == kThreads);
    for (const auto& id : first) {
        CHECK(id.size() == 24);
        CHECK(fleet::is_plain_id("op_" + id));
    }
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

TEST_CASE("time-ordered ids sort as their times do, and carry the random part after the time", "[ids]") {
    using namespace std::chrono;
    const system_clock::time_point t0{milliseconds(1'764'460'800'000)};  // 2025-11-30T00:00:00Z
    const auto early = fleet::time_ordered_id("op_", t0, 24);
    const auto same_ms = fleet::time_ordered_id("op_", t0 + microseconds(500), 24);
    const auto later = fleet::time_ordered_id("op_", t0 + milliseconds(1), 24);
    CHECK(early.size() == 3 + 12 + 24);
    CHECK(early.substr(0, 15) == "op_019ad20f2800");  // 0x19ad20f2800 ms
    CHECK(same_ms.substr(0, 15) == early.substr(0, 15));
    CHECK(early != same_ms);  // the random part tells them apart
    CHECK(early < later);
    CHECK(same_ms < later);
    CHECK(fleet::is_plain_id(early));
    CHECK(early.find_first_not_of("0123456789abcdef", 3) == std::string::npos);
}
