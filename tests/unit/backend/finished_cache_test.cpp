#include "backend/operations/finished_cache.hpp"

#include <catch2/catch.hpp>

using fleet::backend::FinishedCache;

TEST_CASE("the finished cache answers what was put and keeps the newest", "[finished-cache]") {
    FinishedCache cache(2);
    CHECK_FALSE(cache.get("a"));
    cache.put("a", "A");
    cache.put("b", "B");
    CHECK(cache.get("a") == "A");
    cache.put("a", "A2");  // replaced in place, not counted twice
    CHECK(cache.get("a") == "A2");
    CHECK(cache.get("b") == "B");
    cache.put("c", "C");  // evicts the oldest entry
    CHECK_FALSE(cache.get("a"));
    CHECK(cache.get("b") == "B");
    CHECK(cache.get("c") == "C");
}

TEST_CASE("erased answers are gone and no longer count against the capacity", "[finished-cache]") {
    FinishedCache cache(2);
    cache.put("a", "A");
    cache.put("b", "B");
    cache.erase({"a", "never-put"});
    CHECK_FALSE(cache.get("a"));
    CHECK(cache.get("b") == "B");
    cache.put("c", "C");  // room left by "a": nothing evicted
    CHECK(cache.get("b") == "B");
    CHECK(cache.get("c") == "C");
    cache.put("a", "A again");  // now the oldest, "b", goes
    CHECK_FALSE(cache.get("b"));
    CHECK(cache.get("a") == "A again");
}
