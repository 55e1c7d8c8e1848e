#include "tests/support/manual_clock.hpp"
#include "worker_base/operations_service.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <thread>

using namespace fleet;
using namespace fleet::worker;

TEST_CASE("claim records a pending operation with a worker id or the task id", "[operations]") {
    test::ManualClock clock;
    OperationsService ops("echo", 2, 100, clock);
    const Claim generated = ops.claim(std::nullopt, {{"x", 1}});
    REQUIRE(generated.outcome == ClaimOutcome::Started);
    CHECK(generated.operation_id.rfind("worker_", 0) == 0);
    CHECK(generated.operation_id.size() == 7 + 12);
    REQUIRE(generated.progress != nullptr);

    const Claim given = ops.claim(std::string("task-42"), {});
    REQUIRE(given.outcome == ClaimOutcome::Started);
    CHECK(given.operation_id == "task-42");

    auto view = ops.get("task-42");
    REQUIRE(view);
    CHECK(view->status == OperationStatus::Pending);
    CHECK(view->operation_type == "echo");
    CHECK(ops.get(generated.operation_id)->metadata->at("x") == 1);
}

TEST_CASE("a known task id starts nothing and answers with that operation", "[operations]") {
    OperationsService ops("echo", 1);
    REQUIRE(ops.claim(std::string("t1"), {}).outcome == ClaimOutcome::Started);
    const Claim again = ops.claim(std::string("t1"), {});
    CHECK(again.outcome == ClaimOutcome::Existing);
    CHECK(again.operation_id == "t1");
    CHECK(ops.list({}).total == 1);
    ops.complete("t1", nullptr);
    CHECK(ops.claim(std::string("t1"), {}).outcome == ClaimOutcome::Existing);
}

TEST_CASE("max_concurrent bounds active operations; finishing frees a slot", "[operations]") {
    OperationsService ops("echo", 1);
    const Claim first = ops.claim(std::nullopt, {});
    REQUIRE(first.outcome == ClaimOutcome::Started);
    const Claim second = ops.claim(std::nullopt, {});
    CHECK(second.outcome == ClaimOutcome::Busy);
    CHECK(second.operation_id == first.operation_id);
    ops.complete(first.operation_id, boost::json::object{{"ok", true}});
    CHECK(ops.claim(std::nullopt, {}).outcome == ClaimOutcome::Started);
}

TEST_CASE("the check and the claim are one step under contention", "[operations]") {
    OperationsService ops("echo", 3);
    std::atomic<int> started{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t)
        threads.emplace_back([&] {
            for (int i = 0; i < 200; ++i)
                if (ops.claim(std::nullopt, {}).outcome == ClaimOutcome::Started) ++started;
        });
    for (auto& thread : threads) thread.join();
    CHECK(started == 3);
    CHECK(ops.active_ids().size() == 3);
}

TEST_CASE("a draining service refuses new work", "[operations]") {
    OperationsService ops("echo", 1);
    ops.set_draining();
    CHECK(ops.draining());
    CHECK(ops.claim(std::nullopt, {}).outcome == ClaimOutcome::Draining);
}

TEST_CASE("lifecycle: running, completed, with times and result", "[operations]") {
    test::ManualClock clock;
    OperationsService ops("echo", 1, 100, clock);
    const auto id = ops.claim(std::nullopt, {}).operation_id;
    clock.advance(std::chrono::seconds(1));
    ops.mark_running(id);
    clock.advance(std::chrono::seconds(2));
    std::vector<OperationView> finished;
    ops.on_finished([&](const OperationView& v) { finished.push_back(v); });
    ops.complete(id, boost::json::object{{"answer", 42}});

    auto view = ops.get(id);
    REQUIRE(view);
    CHECK(view->status == OperationStatus::Completed);
    CHECK(view->progress.percentage == 100.0);
    CHECK(view->result->as_object().at("answer") == 42);
    REQUIRE(view->started_at);
    REQUIRE(view->completed_at);
    CHECK(*view->completed_at - *view->started_at == std::chrono::seconds(2));
    REQUIRE(finished.size() == 1);
    CHECK(finished[0].operation_id == id);

    // Terminal statuses never change again.
    ops.fail(id, "late failure");
    ops.mark_cancelled(id);
    CHECK(ops.get(id)->status == OperationStatus::Completed);
    CHECK(finished.size() == 1);
}

TEST_CASE("cancel reaches the token; unknown and finished operations say so", "[operations]") {
    OperationsService ops("echo", 1);
    const Claim claim = ops.claim(std::nullopt, {});
    CHECK(ops.cancel("nope") == CancelOutcome::NotFound);
    CHECK(ops.cancel(claim.operation_id) == CancelOutcome::Requested);
    CHECK(claim.token.is_cancelled());
    ops.mark_cancelled(claim.operation_id);
    CHECK(ops.get(claim.operation_id)->status == OperationStatus::Cancelled);
    CHECK(ops.cancel(claim.operation_id) == CancelOutcome::AlreadyTerminal);
}

TEST_CASE("list filters by status and type, newest first, with paging", "[operations]") {
    OperationsService ops("echo", 10);
    std::vector<std::string> ids;
    for (int i = 0; i < 5; ++i) ids.push_back(ops.claim(std::nullopt, {}).operation_id);
    ops.complete(ids[0], nullptr);
    ops.fail(ids[1], "bad");

    auto all = ops.list({});
    CHECK(all.total == 5);
    REQUIRE(all.operations.size() == 5);
    CHECK(all.operations.front().operation_id == ids[4]);

    OperationFilter pending;
    pending.status = OperationStatus::Pending;
    CHECK(ops.list(pending).total == 3);

    OperationFilter page;
    page.limit = 2;
    page.offset = 1;
    auto paged = ops.list(page);
    CHECK(paged.total == 5);
    REQUIRE(paged.operations.size() == 2);
    CHECK(paged.operations[0].operation_id == ids[3]);
    CHECK(paged.operations[1].operation_id == ids[2]);

    OperationFilter other_type;
    other_type.operation_type = "backtest";
    CHECK(ops.list(other_type).total == 0);
}

TEST_CASE("history keeps at most the bound of finished operations, oldest evicted", "[operations]") {
    OperationsService ops("echo", 1, 3);
    std::vector<std::string> ids;
    for (int i = 0; i < 5; ++i) {
        ids.push_back(ops.claim(std::nullopt, {}).operation_id);
        ops.complete(ids.back(), nullptr);
    }
    CHECK(ops.list({}).total == 3);
    CHECK_FALSE(ops.get(ids[0]));
    CHECK_FALSE(ops.get(ids[1]));
    CHECK(ops.get(ids[4]));
    // An active operation is never evicted.
    const auto active = ops.claim(std::nullopt, {}).operation_id;
    CHECK(ops.get(active));
}

TEST_CASE("ending returns the operation as it ended, the copy every listener saw", "[operations]") {
    OperationsService ops("echo", 1);
    std::vector<OperationView> first, second;
    ops.on_finished([&](const OperationView& v) { first.push_back(v); });
    ops.on_finished([&](const OperationView& v) { second.push_back(v); });
    const auto id = ops.claim(std::nullopt, {{"x", 1}}).operation_id;
    ops.mark_running(id);

    const auto ended = ops.complete(id, boost::json::object{{"answer", 42}});
    REQUIRE(ended);
    CHECK(ended->operation_id == id);
    CHECK(ended->status == OperationStatus::Completed);
    CHECK(ended->progress.percentage == 100.0);
    REQUIRE(ended->result);
    CHECK(ended->result->as_object().at("answer") == 42);
    REQUIRE(first.size() == 1);
    REQUIRE(second.size() == 1);
    CHECK(first[0].result->as_object().at("answer") == 42);
    // The JSON is kept once: the view, the listeners' copies and a later read share it.
    CHECK(ended->result == first[0].result);
    CHECK(ended->result == ops.get(id)->result);
    CHECK(ended->metadata == ops.get(id)->metadata);

    // An operation that has ended already is not ended again.
    CHECK_FALSE(ops.fail(id, "late"));
    CHECK_FALSE(ops.mark_cancelled(id));
    CHECK_FALSE(ops.complete("unknown", nullptr));
    CHECK(first.size() == 1);
}

TEST_CASE("history evicts in the order operations ended, not the order they started", "[operations]") {
    OperationsService ops("echo", 2, 1);
    const auto older = ops.claim(std::nullopt, {}).operation_id;
    const auto newer = ops.claim(std::nullopt, {}).operation_id;
    ops.complete(newer, nullptr);
    ops.fail(older, "bad");
    CHECK_FALSE(ops.get(newer));
    REQUIRE(ops.get(older));
    CHECK(ops.get(older)->status == OperationStatus::Failed);
    const auto page = ops.list({});
    CHECK(page.total == 1);
    REQUIRE(page.operations.size() == 1);
    CHECK(page.operations[0].operation_id == older);
    // The evicted id may be started again, as a new operation.
    CHECK(ops.claim(newer, {}).outcome == ClaimOutcome::Started);
    CHECK(ops.list({}).total == 2);
}
