// Draining a worker from the backend, on a scripted worker client: the worker's
// answer decides, and only an agreement changes its status.
#include "backend/registry/worker_drain.hpp"
#include "backend/registry/worker_lifecycle.hpp"
#include "tests/support/backend_core.hpp"

#include <catch2/catch.hpp>

using namespace fleet;
using namespace fleet::backend;
using Kind = DrainResult::Kind;

namespace {

struct DrainCore : test::BackendCore {
    WorkerDrain drains{registry, workers};
    std::optional<DrainResult> result;

    void drain(const std::string& id) {
        result.reset();
        drains.drain(id, [this](DrainResult r) { result = std::move(r); });
    }
    WorkerStatus status(const std::string& id) { return registry.find(id)->status; }
};

}  // namespace

TEST_CASE("drain: the worker is asked, and once it agrees it is DRAINING and gets no work", "[drain]") {
    DrainCore core;
    core.add_worker("w1");
    core.drain("w1");
    REQUIRE(core.workers.calls.size() == 1);
    CHECK(core.workers.calls[0].kind == "drain");
    CHECK(core.workers.calls[0].endpoint_url == "http://w1:5005");
    CHECK_FALSE(core.result);
    CHECK(core.status("w1") == WorkerStatus::Available);  // nothing changes before it agrees

    core.workers.answer(0, core.workers.status(202, R"({"success": true, "worker_status": "draining"})"));
    REQUIRE(core.result);
    CHECK(core.result->kind == Kind::Draining);
    CHECK(core.result->worker->status == WorkerStatus::Draining);
    CHECK(core.status("w1") == WorkerStatus::Draining);

    // A start finds no worker that takes work: it waits in the queue.
    auto& started = core.start();
    REQUIRE(started);
    CHECK(started->kind == StartResult::Kind::Queued);
    CHECK(core.workers.calls.size() == 1);
}

TEST_CASE("drain: an older answer that says idle does not undo it; a new registration does", "[drain]") {
    DrainCore core;
    core.add_worker("w1");
    core.drain("w1");
    core.workers.answer(0, core.workers.status(202));
    WorkerRecord& worker = *core.registry.find("w1");
    worker_lifecycle::answered(worker, WorkerStatus::Available);
    CHECK(worker.status == WorkerStatus::Draining);
    core.add_worker("w1");
    CHECK(core.status("w1") == WorkerStatus::Available);
}

TEST_CASE("drain: unknown, already draining and unavailable workers are not asked", "[drain]") {
    DrainCore core;
    core.drain("nobody");
    REQUIRE(core.result);
    CHECK(core.result->kind == Kind::NotFound);

    core.add_worker("w1");
    worker_lifecycle::reported(*core.registry.find("w1"), WorkerStatus::Draining);
    core.drain("w1");
    REQUIRE(core.result);
    CHECK(core.result->kind == Kind::NotDrainable);
    CHECK(core.result->worker->status == WorkerStatus::Draining);

    core.add_worker("w2");
    worker_lifecycle::lost(*core.registry.find("w2"), core.clock.now());
    core.drain("w2");
    REQUIRE(core.result);
    CHECK(core.result->kind == Kind::NotDrainable);
    CHECK(core.workers.calls.empty());
}

TEST_CASE("drain: a worker that cannot be reached or refuses keeps its status", "[drain]") {
    DrainCore core;
    core.add_worker("w1");

    core.drain("w1");
    core.workers.answer(0, core.workers.failure(http::ClientError::Refused));
    REQUIRE(core.result);
    CHECK(core.result->kind == Kind::Unreachable);
    CHECK(core.result->why.find("refused") != std::string::npos);
    CHECK(core.status("w1") == WorkerStatus::Available);

    core.drain("w1");
    core.workers.answer(1, core.workers.failure(http::ClientError::Timeout));
    REQUIRE(core.result);
    CHECK(core.result->kind == Kind::TimedOut);
    CHECK(core.status("w1") == WorkerStatus::Available);

    // A worker built before drain existed: 404 from it.
    core.drain("w1");
    core.workers.answer(2, core.workers.status(404, R"({"success": false, "error": "no route"})"));
    REQUIRE(core.result);
    CHECK(core.result->kind == Kind::Unreachable);
    CHECK(core.result->why.find("404") != std::string::npos);
    CHECK(core.status("w1") == WorkerStatus::Available);
}

TEST_CASE("drain: a worker that left before its agreement arrived has drained", "[drain]") {
    DrainCore core;
    core.add_worker("w1");
    core.drain("w1");
    REQUIRE(core.registrations.deregister("w1", {}));
    core.workers.answer(0, core.workers.status(202));
    REQUIRE(core.result);
    CHECK(core.result->kind == Kind::Draining);
    CHECK(core.result->worker->worker_id == "w1");
    CHECK(core.result->worker->status == WorkerStatus::Draining);
}
