#include "backend/operations/finished_cache.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <thread>
#include <vector>

using fleet::backend::FinishedCache;
using fleet::backend::OperationRecord;

namespace {

std::shared_ptr<const OperationRecord> ended(std::string id, std::string error = "") {
    OperationRecord record;
    record.operation_id = std::move(id);
    record.error_message = std::move(error);
    return std::make_shared<const OperationRecord>(std::move(record));
}

// Renders "id:error" and counts how often it was asked to.
struct CountingRender {
    std::shared_ptr<std::atomic<int>> calls = std::make_shared<std::atomic<int>>(0);
    std::string operator()(const OperationRecord& record) const {
        ++*calls;
        return record.operation_id + ":" + record.error_message;
    }
};

}  // namespace

TEST_CASE("the finished cache answers what was put and keeps the newest", "[finished-cache]") {
    FinishedCache cache(CountingRender{}, 2);
    CHECK_FALSE(cache.get("a"));
    cache.put(ended("a"));
    cache.put(ended("b"));
    CHECK(cache.get("a") == "a:");
    cache.put(ended("a", "again"));  // replaced in place, not counted twice
    CHECK(cache.get("a") == "a:again");
    CHECK(cache.get("b") == "b:");
    cache.put(ended("c"));  // evicts the oldest entry
    CHECK_FALSE(cache.get("a"));
    CHECK(cache.get("b") == "b:");
    CHECK(cache.get("c") == "c:");
}

TEST_CASE("an answer is rendered at its first read, once, whoever reads it", "[finished-cache]") {
    CountingRender render;
    FinishedCache cache(render, 10);
    cache.put(ended("a"));
    cache.put(ended("b"));
    CHECK(*render.calls == 0);  // nobody read them: nothing rendered

    std::vector<std::thread> readers;
    std::atomic<int> right{0};
    for (int i = 0; i < 8; ++i)
        readers.emplace_back([&] {
            for (int n = 0; n < 100; ++n) right += cache.get("a") == "a:";
        });
    for (auto& reader : readers) reader.join();
    CHECK(right == 800);
    CHECK(*render.calls == 1);
}

TEST_CASE("erased answers are gone and no longer count against the capacity", "[finished-cache]") {
    FinishedCache cache(CountingRender{}, 2);
    cache.put(ended("a"));
    cache.put(ended("b"));
    cache.erase({"a", "never-put"});
    CHECK_FALSE(cache.get("a"));
    CHECK(cache.get("b") == "b:");
    cache.put(ended("c"));  // room left by "a": nothing evicted
    CHECK(cache.get("b") == "b:");
    CHECK(cache.get("c") == "c:");
    cache.put(ended("a", "again"));  // now the oldest, "b", goes
    CHECK_FALSE(cache.get("b"));
    CHECK(cache.get("a") == "a:again");
}
