#include "backend/core/event_bus.hpp"
#include "backend/operations/operation_book.hpp"
#include "tests/support/test_storage.hpp"
#include "tests/support/manual_clock.hpp"

#include <catch2/catch.hpp>

using namespace fleet;
using namespace fleet::backend;

namespace {

OperationRecord operation(std::string id, std::int64_t priority, std::string domain = "echo") {
    OperationRecord r;
    r.operation_id = std::move(id);
    r.domain = std::move(domain);
    r.priority = priority;
    return r;
}

// The first `max` queued operations of `domain`, in dispatch order (first_queued, refusing each).
std::vector<std::string> queue_of(const OperationBook& book, const std::string& domain, std::size_t max = SIZE_MAX) {
    std::vector<std::string> ids;
    book.first_queued(domain, max, [&](const OperationRecord& record) {
        ids.push_back(record.operation_id);
        return false;
    });
    return ids;
}

}  // namespace

TEST_CASE("the queue is per domain, by priority, then age", "[operations][queue]") {
    test::Storage store(":memory:");
    EventBus events([](std::function<void()> then) { then(); });
    test::ManualClock clock;
    OperationBook book(store.operations, clock, events);
    for (auto [id, priority] : std::vector<std::pair<std::string, int>>{{"low", 1}, {"high_old", 5}, {"mid", 3}, {"high_new", 5}}) {
        book.enqueue(*book.create(operation(id, priority)));
        clock.advance(std::chrono::milliseconds(10));
    }
    book.enqueue(*book.create(operation("elsewhere", 9, "backtests")));

    CHECK(queue_of(book, "echo") == std::vector<std::string>{"high_old", "high_new", "mid", "low"});
    CHECK(queue_of(book, "backtests") == std::vector<std::string>{"elsewhere"});
    CHECK(queue_of(book, "echo", 2) == std::vector<std::string>{"high_old", "high_new"});
    CHECK(book.queue_depth() == 5);
    CHECK(book.has_queued("echo"));
    CHECK_FALSE(book.has_queued("nothing"));

    book.dequeue("high_old");
    CHECK(queue_of(book, "echo").front() == "high_new");
}

TEST_CASE("the queue and unfinished operations come back from the store", "[operations][queue]") {
    test::Storage store(":memory:");
    EventBus events([](std::function<void()> then) { then(); });
    test::ManualClock clock;
    {
        OperationBook book(store.operations, clock, events);
        book.enqueue(*book.create(operation("a", 0)));
        clock.advance(std::chrono::milliseconds(5));
        book.enqueue(*book.create(operation("b", 2)));
        auto& running = *book.create(operation("c", 0));
        running.status = OperationStatus::Running;
        running.worker_id = "w1";
        book.save(running);
    }
    OperationBook reloaded(store.operations, clock, events);
    reloaded.load();
    CHECK(queue_of(reloaded, "echo") == std::vector<std::string>{"b", "a"});
    REQUIRE(reloaded.find_active("c"));
    CHECK(reloaded.find_active("c")->worker_id == "w1");
}

TEST_CASE("a finished operation leaves memory and queue but stays in the store", "[operations]") {
    test::Storage store(":memory:");
    EventBus events([](std::function<void()> then) { then(); });
    test::ManualClock clock;
    OperationBook book(store.operations, clock, events);
    auto& record = *book.create(operation("x", 0));
    book.enqueue(record);
    auto* queued = book.find_active("x");
    REQUIRE(queued);
    queued->status = OperationStatus::Cancelled;
    book.save(*queued);
    CHECK(book.find_active("x") == nullptr);
    CHECK(queue_of(book, "echo").empty());
    const auto stored = book.find("x");
    REQUIRE(stored);
    CHECK(stored->status == OperationStatus::Cancelled);
}

TEST_CASE("an id already taken, active or finished, is refused and nothing is overwritten", "[operations][ids]") {
    test::Storage store(":memory:");
    EventBus events([](std::function<void()> then) { then(); });
    test::ManualClock clock;
    OperationBook book(store.operations, clock, events);
    auto& active = *book.create(operation("same", 5));
    book.enqueue(active);

    auto again = operation("same", 1, "elsewhere");
    CHECK(book.create(std::move(again)) == nullptr);
    CHECK(again.domain == "elsewhere");  // left to the caller, who draws another id
    CHECK(book.find_active("same")->priority == 5);

    active.status = OperationStatus::Completed;
    book.save(active);  // finished: only the store has it now
    REQUIRE(book.find_active("same") == nullptr);
    CHECK(book.create(operation("same", 1, "elsewhere")) == nullptr);
    const auto stored = store.operations.find("same");
    REQUIRE(stored);
    CHECK(stored->status == OperationStatus::Completed);
    CHECK(stored->domain == "echo");
    CHECK(stored->priority == 5);
}

TEST_CASE("changes are written at the group commit, once per operation, before what is published", "[operations]") {
    test::Storage store(":memory:");
    std::vector<std::function<void()>> scheduled;
    store.database.set_batch_scheduler([&](std::function<void()> commit) { scheduled.push_back(std::move(commit)); });
    EventBus events([&](std::function<void()> then) { store.database.after_commit(std::move(then)); });
    std::vector<std::string> heard;
    events.subscribe<OperationEnded>([&](const OperationEnded& ended) {
        // Heard after the commit: the store has the final record by then.
        const auto stored = store.operations.find(ended.operation->operation_id);
        heard.emplace_back(stored ? to_string(stored->status) : "missing");
    });
    test::ManualClock clock;
    OperationBook book(store.operations, clock, events);

    auto& record = *book.create(operation("x", 0));
    record.status = OperationStatus::Pending;
    book.save(record);
    record.status = OperationStatus::Running;
    book.save(record);
    CHECK_FALSE(store.operations.exists("x"));  // not written before the commit
    auto* running = book.find_active("x");
    REQUIRE(running);
    running->status = OperationStatus::Completed;
    book.save(*running);
    CHECK(book.find_active("x") == nullptr);
    REQUIRE(book.find("x"));  // ended, not written yet: still found
    CHECK(book.find("x")->status == OperationStatus::Completed);
    CHECK(heard.empty());

    REQUIRE(scheduled.size() == 1);  // one batch for all three changes
    scheduled.front()();
    CHECK(heard == std::vector<std::string>{"completed"});
    REQUIRE(store.operations.find("x"));
    CHECK(store.operations.find("x")->status == OperationStatus::Completed);
    CHECK(book.find("x")->status == OperationStatus::Completed);
}

TEST_CASE("first_queued walks the head of a domain's queue in order, up to a window", "[operations][queue]") {
    test::Storage store(":memory:");
    EventBus events([](std::function<void()> then) { then(); });
    test::ManualClock clock;
    OperationBook book(store.operations, clock, events);
    for (const auto* id : {"a", "b", "c"}) {
        book.enqueue(*book.create(operation(id, 0)));
        clock.advance(std::chrono::milliseconds(1));
    }
    const auto any = [](const OperationRecord&) { return true; };
    const auto not_a = [](const OperationRecord& r) { return r.operation_id != "a"; };
    CHECK(book.first_queued("echo", 10, any) == std::optional<std::string>("a"));
    CHECK(book.first_queued("echo", 10, not_a) == std::optional<std::string>("b"));
    CHECK(book.first_queued("echo", 1, not_a) == std::nullopt);
    CHECK(book.first_queued("other", 10, any) == std::nullopt);
}
