#include "backend/operations/finished_cache.hpp"
#include "backend/operations/operation_record.hpp"

#include <memory>
#include <string>

#include <catch2/catch.hpp>

using fleet::backend::FinishedCache;

TEST_CASE("the finished cache answers what was put and keeps the newest", "[finished-cache]") {
    FinishedCache cache({}, 2);
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
    FinishedCache cache({}, 2);
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

namespace {

std::shared_ptr<const fleet::backend::OperationRecord> record(std::string id) {
    fleet::backend::OperationRecord operation;
    operation.operation_id = std::move(id);
    return std::make_shared<const fleet::backend::OperationRecord>(std::move(operation));
}

}  // namespace

TEST_CASE("an operation that ended is rendered once, when first asked for", "[finished-cache]") {
    int renders = 0;
    FinishedCache cache([&](const fleet::backend::OperationRecord& operation) {
        ++renders;
        return "answer of " + operation.operation_id;
    });
    cache.ended(record("a"));
    cache.ended(record("b"));
    CHECK(renders == 0);  // nobody asked
    CHECK(cache.get("a") == "answer of a");
    CHECK(cache.get("a") == "answer of a");
    CHECK(renders == 1);  // kept as text after the first
    CHECK_FALSE(cache.get("c"));
    CHECK(renders == 1);
}

TEST_CASE("records not asked for are bounded on their own, answers by the capacity", "[finished-cache]") {
    int renders = 0;
    FinishedCache cache(
        [&](const fleet::backend::OperationRecord& operation) {
            ++renders;
            return operation.operation_id;
        },
        3, 2);
    cache.ended(record("a"));
    cache.ended(record("b"));
    cache.ended(record("c"));  // the oldest unread record, "a", goes
    CHECK_FALSE(cache.get("a"));
    CHECK(cache.get("b") == "b");
    CHECK(cache.get("c") == "c");
    CHECK(renders == 2);
    for (const char* id : {"d", "e"}) {
        cache.ended(record(id));
        CHECK(cache.get(id) == id);
    }
    CHECK_FALSE(cache.get("b"));  // four answers rendered, three kept: the oldest went
    CHECK(cache.get("c") == "c");
    CHECK(renders == 4);
}

TEST_CASE("an erased operation is gone whether it was rendered or not", "[finished-cache]") {
    FinishedCache cache([](const fleet::backend::OperationRecord& operation) { return operation.operation_id; });
    cache.ended(record("read"));
    cache.ended(record("unread"));
    CHECK(cache.get("read") == "read");
    cache.erase({"read", "unread"});
    CHECK_FALSE(cache.get("read"));
    CHECK_FALSE(cache.get("unread"));
}
