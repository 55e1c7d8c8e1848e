#include "backend/core/event_bus.hpp"
#include "tests/support/test_storage.hpp"

#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>

#include <string>
#include <vector>

using namespace fleet;
using namespace fleet::backend;

namespace {

OperationEnded ended(std::string id, OperationStatus status = OperationStatus::Completed) {
    OperationRecord operation;
    operation.operation_id = std::move(id);
    operation.status = status;
    return OperationEnded{std::make_shared<const OperationRecord>(std::move(operation))};
}

OperationRecord record(std::string id) {
    OperationRecord r;
    r.operation_id = std::move(id);
    r.domain = "echo";
    r.status = OperationStatus::Running;
    return r;
}

}  // namespace

TEST_CASE("event bus: every subscriber hears every event, in the order they subscribed", "[events]") {
    EventBus bus([](std::function<void()> then) { then(); });
    std::vector<std::string> heard;
    bus.subscribe<OperationEnded>([&](const OperationEnded& e) { heard.push_back("a:" + e.operation->operation_id); });
    const auto b = bus.subscribe<OperationEnded>([&](const OperationEnded& e) { heard.push_back("b:" + e.operation->operation_id); });
    bus.publish(ended("op1"));
    bus.unsubscribe(b);
    bus.publish(ended("op2"));
    CHECK(heard == std::vector<std::string>{"a:op1", "b:op1", "a:op2"});
}

TEST_CASE("event bus: a subscriber may unsubscribe another, or itself, while an event is delivered", "[events]") {
    EventBus bus([](std::function<void()> then) { then(); });
    std::vector<std::string> heard;
    EventBus::Subscription second = 0;
    EventBus::Subscription first = bus.subscribe<OperationEnded>([&](const OperationEnded&) {
        heard.push_back("first");
        bus.unsubscribe(first);
        bus.unsubscribe(second);
    });
    second = bus.subscribe<OperationEnded>([&](const OperationEnded&) { heard.push_back("second"); });
    bus.subscribe<OperationEnded>([&](const OperationEnded&) { heard.push_back("third"); });
    bus.publish(ended("op1"));
    bus.publish(ended("op2"));
    CHECK(heard == std::vector<std::string>{"first", "third", "third"});
}

TEST_CASE("event bus: nothing is heard before the store has committed what led to it", "[events]") {
    const auto path = std::filesystem::temp_directory_path() / ("fleet_event_bus_" + std::to_string(::getpid()) + ".db");
    struct Cleanup {
        std::filesystem::path path;
        ~Cleanup() {
            std::error_code ignored;
            for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path.string() + suffix, ignored);
        }
    } cleanup{path};
    test::Storage store(path.string());
    test::Storage reader(path.string());  // another connection sees only what is committed
    std::vector<std::function<void()>> scheduled;  // the core thread's queue, run by hand
    store.database.set_batch_scheduler([&](std::function<void()> commit) { scheduled.push_back(std::move(commit)); });
    EventBus bus([&](std::function<void()> then) { store.database.after_commit(std::move(then)); });
    std::vector<std::string> heard;
    bus.subscribe<OperationEnded>([&](const OperationEnded& e) {
        // What it hears is committed: another connection sees it.
        CHECK(reader.operations.find(e.operation->operation_id).has_value());
        heard.push_back(e.operation->operation_id);
    });

    auto op = record("op1");
    REQUIRE(store.operations.insert(op) == OperationRepository::Insert::Inserted);  // opens a batch: the commit is scheduled, not run
    bus.publish(ended("op1"));
    CHECK(heard.empty());
    CHECK_FALSE(reader.operations.find("op1").has_value());
    REQUIRE(scheduled.size() == 1);
    scheduled.front()();  // the group commit
    CHECK(heard == std::vector<std::string>{"op1"});

    // Nothing pending: heard at once.
    bus.publish(ended("op1", OperationStatus::Failed));
    CHECK(heard.size() == 2);
}

TEST_CASE("event bus: a kind nobody subscribes to schedules nothing", "[events]") {
    int scheduled = 0;
    EventBus bus([&](std::function<void()> then) {
        ++scheduled;
        then();
    });
    CHECK_FALSE(bus.wanted<OperationEnded>());
    bus.publish(ended("op1"));
    CHECK(scheduled == 0);

    std::vector<std::string> heard;
    const auto subscription =
        bus.subscribe<WorkerStatusChanged>([&](const WorkerStatusChanged& e) { heard.push_back(e.worker_id); });
    CHECK(bus.wanted<WorkerStatusChanged>());
    CHECK_FALSE(bus.wanted<OperationEnded>());
    bus.publish(ended("op2"));
    bus.publish(WorkerStatusChanged{"w1", WorkerStatus::Available, WorkerStatus::Busy});
    CHECK(scheduled == 1);
    CHECK(heard == std::vector<std::string>{"w1"});

    bus.unsubscribe(subscription);
    CHECK_FALSE(bus.wanted<WorkerStatusChanged>());
    bus.publish(WorkerStatusChanged{"w1", WorkerStatus::Busy, WorkerStatus::Available});
    CHECK(scheduled == 1);
}

TEST_CASE("event bus: at shutdown commit_all commits what a subscriber wrote after the last commit, and its events "
          "are heard", "[events]") {
    test::Storage store(":memory:");
    std::vector<std::function<void()>> scheduled;  // nobody runs them: the core has stopped
    store.database.set_batch_scheduler([&](std::function<void()> commit) { scheduled.push_back(std::move(commit)); });
    EventBus bus([&](std::function<void()> then) { store.database.after_commit(std::move(then)); });
    std::vector<std::string> heard;
    bus.subscribe<OperationEnded>([&](const OperationEnded& e) {
        heard.push_back(e.operation->operation_id);
        // A follower (a workflow's next step, say) writes and publishes: a new batch.
        if (e.operation->operation_id == "op1") {
            auto next = record("op2");
            REQUIRE(store.operations.insert(next) == OperationRepository::Insert::Inserted);
            bus.publish(ended("op2"));
        }
    });
    auto op = record("op1");
    REQUIRE(store.operations.insert(op) == OperationRepository::Insert::Inserted);
    bus.publish(ended("op1"));
    store.database.commit_all();
    CHECK(heard == std::vector<std::string>{"op1", "op2"});
    CHECK(store.operations.find("op2").has_value());
    bool at_once = false;  // nothing pending any more
    store.database.after_commit([&] { at_once = true; });
    CHECK(at_once);
}
