#include "backend/core/event_bus.hpp"
#include "backend/registry/registry.hpp"
#include "tests/support/test_storage.hpp"
#include "tests/support/manual_clock.hpp"

#include <catch2/catch.hpp>

using namespace fleet;
using namespace fleet::backend;

namespace {

Registration registration(std::string id, std::string url, boost::json::object capabilities = {{"cores", 2}}) {
    Registration r;
    r.worker_id = std::move(id);
    r.worker_type = "echo";
    r.domain = "echo";
    r.endpoint_url = std::move(url);
    r.capabilities = std::move(capabilities);
    return r;
}

// Nobody listens here: the registry's events are tested with the core's.
EventBus quiet_bus{[](std::function<void()> then) { then(); }};

}  // namespace

TEST_CASE("registering again updates the entry, clears failures and gives a new instance id", "[registry]") {
    test::Storage store(":memory:");
    test::ManualClock clock;
    Registry registry(store.workers, clock, quiet_bus);
    auto first = registry.upsert(registration("w1", "http://a:1"));
    const std::string instance = first.worker->instance_id;
    first.worker->health_check_failures = 2;
    first.worker->status = WorkerStatus::TemporarilyUnavailable;
    registry.save(*first.worker);

    auto again = registry.upsert(registration("w1", "http://a:1"));
    CHECK(again.worker->instance_id != instance);
    CHECK(again.worker->health_check_failures == 0);
    CHECK(again.worker->status == WorkerStatus::Available);
    CHECK(registry.list({}).size() == 1);
}

TEST_CASE("a new id at an endpoint on file replaces the old entry", "[registry]") {
    test::Storage store(":memory:");
    test::ManualClock clock;
    Registry registry(store.workers, clock, quiet_bus);
    auto old = registry.upsert(registration("old", "http://a:1"));
    old.worker->operations.push_back("op_1");
    registry.save(*old.worker);

    auto fresh = registry.upsert(registration("new", "http://a:1"));
    REQUIRE(fresh.replaced);
    CHECK(fresh.replaced->worker_id == "old");
    CHECK(fresh.replaced->operations == std::vector<std::string>{"op_1"});
    CHECK(registry.find("old") == nullptr);
    CHECK(registry.list({}).size() == 1);
    CHECK(store.workers.load_all().size() == 1);
}

TEST_CASE("the registry survives a reload from the store", "[registry]") {
    test::Storage store(":memory:");
    test::ManualClock clock;
    {
        Registry registry(store.workers, clock, quiet_bus);
        auto up = registry.upsert(registration("w1", "http://a:1"));
        up.worker->operations = {"op_9"};
        registry.save(*up.worker);
    }
    Registry reloaded(store.workers, clock, quiet_bus);
    reloaded.load();
    REQUIRE(reloaded.find("w1"));
    CHECK(reloaded.find("w1")->operations == std::vector<std::string>{"op_9"});
}

TEST_CASE("candidates: idle fitting workers of the domain, least recently used first", "[registry][dispatch]") {
    test::Storage store(":memory:");
    test::ManualClock clock;
    Registry registry(store.workers, clock, quiet_bus);
    auto a = registry.upsert(registration("a", "http://a:1", {{"cores", 2}}));
    auto b = registry.upsert(registration("b", "http://b:1", {{"cores", 8}, {"gpu", true}}));
    auto c = registry.upsert(registration("c", "http://c:1", {{"cores", 8}}));
    auto other = registry.upsert(registration("x", "http://x:1"));
    other.worker->domain = "backtests";
    a.worker->last_dispatched_at = clock.now() + std::chrono::seconds(3);
    b.worker->last_dispatched_at = clock.now() + std::chrono::seconds(1);
    c.worker->last_dispatched_at = clock.now() + std::chrono::seconds(2);

    auto names = [](const std::vector<WorkerRecord*>& workers) {
        std::vector<std::string> out;
        for (const auto* w : workers) out.push_back(w->worker_id);
        return out;
    };
    CHECK(names(registry.idle_candidates("echo", {}, {})) == std::vector<std::string>{"b", "c", "a"});
    CHECK(names(registry.idle_candidates("echo", {{"cores", 4}}, {})) == std::vector<std::string>{"b", "c"});
    CHECK(names(registry.idle_candidates("echo", {{"gpu", true}}, {})) == std::vector<std::string>{"b"});
    CHECK(names(registry.idle_candidates("echo", {}, {"b"})) == std::vector<std::string>{"c", "a"});

    b.worker->operations.push_back("op_1");  // its one slot is taken
    c.worker->status = WorkerStatus::TemporarilyUnavailable;
    a.worker->status = WorkerStatus::Draining;
    CHECK(registry.idle_candidates("echo", {}, {}).empty());

    CHECK(registry.serves("echo"));
    CHECK_FALSE(registry.serves("nothing"));
    CHECK(registry.could_meet("echo", {{"cores", 8}}));
    CHECK_FALSE(registry.could_meet("echo", {{"cores", 64}}));
}

TEST_CASE("list filters by type and status", "[registry]") {
    test::Storage store(":memory:");
    test::ManualClock clock;
    Registry registry(store.workers, clock, quiet_bus);
    registry.upsert(registration("a", "http://a:1"));
    auto b = registry.upsert(registration("b", "http://b:1"));
    b.worker->worker_type = "backtest";
    b.worker->status = WorkerStatus::Busy;

    WorkerFilter by_type;
    by_type.worker_type = "backtest";
    REQUIRE(registry.list(by_type).size() == 1);
    CHECK(registry.list(by_type).front()->worker_id == "b");
    WorkerFilter available;
    available.status = WorkerStatus::Available;
    REQUIRE(registry.list(available).size() == 1);
    CHECK(registry.list(available).front()->worker_id == "a");
    CHECK(registry.count_by_status().at(WorkerStatus::Busy) == 1);
}
