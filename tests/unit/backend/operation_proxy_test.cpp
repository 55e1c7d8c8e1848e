// The operation proxy's plain results, on a scripted worker client: what it
// found, what its worker answered, what became of a cancel.
#include "tests/support/backend_core.hpp"

#include <catch2/catch.hpp>

#include <optional>

using namespace fleet;
using namespace fleet::backend;
using test::BackendCore;
using test::id_of_start;

namespace {

// One worker with one slot, running one operation; a second one queued behind it.
struct RunningAndQueued : BackendCore {
    RunningAndQueued() {
        add_worker("w1");
        start();
        running = id_of_start(workers.calls.at(0));
        workers.answer(0, workers.status(200));
        queued = start()->operation_id;
    }
    std::string running;
    std::string queued;
};

template <typename Result>
struct Caught {
    std::optional<Result> result;
    std::function<void(Result)> done() {
        return [this](Result r) { result = std::move(r); };
    }
};

}  // namespace

TEST_CASE("operation proxy: an unknown operation is not found, for every question", "[proxy]") {
    BackendCore core;
    Caught<OperationLookup> got;
    core.proxy.get("nope", false, got.done());
    REQUIRE(got.result);
    CHECK(got.result->kind == OperationLookup::Kind::NotFound);

    Caught<MetricsResult> metrics;
    core.proxy.metrics("nope", "cursor=0&limit=100", metrics.done());
    REQUIRE(metrics.result);
    CHECK(metrics.result->kind == MetricsResult::Kind::NotFound);

    Caught<CancelResult> cancel;
    core.proxy.cancel("nope", cancel.done());
    REQUIRE(cancel.result);
    CHECK(cancel.result->kind == CancelResult::Kind::NotFound);
    CHECK(core.workers.calls.empty());
}

TEST_CASE("operation proxy: a queued operation is cancelled in place, then is already final", "[proxy]") {
    RunningAndQueued core;
    CHECK(core.operation(core.queued).status == OperationStatus::Queued);

    Caught<MetricsResult> metrics;
    core.proxy.metrics(core.queued, "cursor=0&limit=100", metrics.done());
    REQUIRE(metrics.result);
    CHECK(metrics.result->kind == MetricsResult::Kind::NoWorker);

    Caught<CancelResult> cancel;
    core.proxy.cancel(core.queued, cancel.done());
    REQUIRE(cancel.result);
    CHECK(cancel.result->kind == CancelResult::Kind::CancelledWhileQueued);
    CHECK(core.operation(core.queued).status == OperationStatus::Cancelled);
    CHECK(core.workers.calls.size() == 1);  // no worker was asked

    Caught<CancelResult> again;
    core.proxy.cancel(core.queued, again.done());
    REQUIRE(again.result);
    CHECK(again.result->kind == CancelResult::Kind::AlreadyFinal);
    CHECK(again.result->final_status == OperationStatus::Cancelled);

    // A finished operation is read from the store.
    Caught<OperationLookup> got;
    core.proxy.get(core.queued, true, got.done());
    REQUIRE(got.result);
    CHECK(got.result->kind == OperationLookup::Kind::Found);
    CHECK(got.result->operation.status == OperationStatus::Cancelled);
}

TEST_CASE("operation proxy: a cancel the worker refuses is its answer; one it agrees to is too", "[proxy]") {
    RunningAndQueued core;
    Caught<CancelResult> refused;
    core.proxy.cancel(core.running, refused.done());
    REQUIRE(core.workers.calls.size() == 2);
    CHECK(core.workers.calls[1].kind == "cancel");
    CHECK_FALSE(refused.result);  // nothing before the worker answers
    core.workers.answer(1, core.workers.status(409, R"({"success": false, "error": "already completed"})"));
    REQUIRE(refused.result);
    CHECK(refused.result->kind == CancelResult::Kind::WorkerRefused);
    CHECK(refused.result->worker.status == 409);
    CHECK(refused.result->worker.body == R"({"success": false, "error": "already completed"})");
    CHECK(core.operation(core.running).status == OperationStatus::Running);

    Caught<CancelResult> agreed;
    core.proxy.cancel(core.running, agreed.done());
    core.workers.answer(2, core.workers.status(200, R"({"success": true, "message": "cancelling"})"));
    REQUIRE(agreed.result);
    CHECK(agreed.result->kind == CancelResult::Kind::WorkerAgreed);
    CHECK(agreed.result->worker.status == 200);
    // It ends when the worker says it has.
    CHECK(core.operation(core.running).status == OperationStatus::Running);
}

TEST_CASE("operation proxy: a cancel its worker does not know is done here; one it cannot hear is unreachable",
          "[proxy]") {
    RunningAndQueued core;
    Caught<CancelResult> unreachable;
    core.proxy.cancel(core.running, unreachable.done());
    core.workers.answer(1, core.workers.failure(http::ClientError::Timeout));
    REQUIRE(unreachable.result);
    CHECK(unreachable.result->kind == CancelResult::Kind::Unreachable);
    CHECK(unreachable.result->error == http::to_string(http::ClientError::Timeout));
    CHECK(core.operation(core.running).status == OperationStatus::Running);

    Caught<CancelResult> here;
    core.proxy.cancel(core.running, here.done());
    core.workers.answer(2, core.workers.status(404, R"({"success": false})"));
    REQUIRE(here.result);
    CHECK(here.result->kind == CancelResult::Kind::CancelledHere);
    CHECK(core.operation(core.running).status == OperationStatus::Cancelled);
    // The slot it held went to the queued one.
    REQUIRE(core.workers.calls.size() == 4);
    CHECK(core.workers.calls[3].kind == "start");
    CHECK(id_of_start(core.workers.calls[3]) == core.queued);
}

TEST_CASE("operation proxy: a stale running operation is refreshed from its worker, a fresh one is not", "[proxy]") {
    RunningAndQueued core;
    Caught<OperationLookup> got;
    core.proxy.get(core.running, false, got.done());
    REQUIRE(core.workers.calls.size() == 2);
    CHECK(core.workers.calls[1].kind == "get");
    CHECK_FALSE(got.result);
    core.workers.answer(1, core.workers.status(200, R"({"success": true, "data": {"status": "running",
        "progress": {"percentage": 40.0, "current_step": "step 2"}}})"));
    REQUIRE(got.result);
    CHECK(got.result->kind == OperationLookup::Kind::Found);
    CHECK(got.result->operation.status == OperationStatus::Running);
    CHECK(got.result->operation.progress.at("percentage") == 40.0);

    // Within the cache TTL: the backend's view, no call; unless refreshing is forced.
    Caught<OperationLookup> fresh;
    core.proxy.get(core.running, false, fresh.done());
    REQUIRE(fresh.result);
    CHECK(fresh.result->operation.progress.at("percentage") == 40.0);
    CHECK(core.workers.calls.size() == 2);
    Caught<OperationLookup> forced;
    core.proxy.get(core.running, true, forced.done());
    CHECK(core.workers.calls.size() == 3);
}

TEST_CASE("operation proxy: metrics are the worker's answer, or unreachable", "[proxy]") {
    RunningAndQueued core;
    Caught<MetricsResult> answered;
    core.proxy.metrics(core.running, "cursor=0&limit=100", answered.done());
    REQUIRE(core.workers.calls.size() == 2);
    CHECK(core.workers.calls[1].kind == "metrics");
    core.workers.answer(1, core.workers.status(200, R"({"success": true, "data": {"metrics": []}})"));
    REQUIRE(answered.result);
    CHECK(answered.result->kind == MetricsResult::Kind::Answered);
    CHECK(answered.result->worker.status == 200);
    CHECK(answered.result->worker.body == R"({"success": true, "data": {"metrics": []}})");

    Caught<MetricsResult> unreachable;
    core.proxy.metrics(core.running, "cursor=0&limit=100", unreachable.done());
    core.workers.answer(2, core.workers.failure(http::ClientError::Refused));
    REQUIRE(unreachable.result);
    CHECK(unreachable.result->kind == MetricsResult::Kind::Unreachable);
}

TEST_CASE("operation proxy: a list is the page of records; shaped on the reader", "[proxy]") {
    RunningAndQueued core;
    OperationQuery query;
    query.limit = 1;
    Caught<std::optional<OperationRows>> page;
    core.proxy.list(query, page.done());
    REQUIRE(page.result);
    REQUIRE(*page.result);
    const OperationRows& rows = **page.result;
    CHECK(rows.total == 2);
    REQUIRE(rows.operations.size() == 1);
    CHECK(rows.next);

    Caught<std::optional<std::size_t>> shaped;
    core.proxy.list<std::size_t>(query, [](OperationRows r) { return r.total; }, shaped.done());
    REQUIRE(shaped.result);
    CHECK(*shaped.result == std::optional<std::size_t>(2));
}
