#include "backend/operations/finished_cache.hpp"
#include "backend/operations/retention.hpp"
#include "backend/operations/retention_sweeper.hpp"
#include "tests/support/test_storage.hpp"
#include "tests/support/manual_clock.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include <catch2/catch.hpp>

#include <optional>
#include <string>

using namespace fleet;
using namespace fleet::backend;
using namespace std::chrono_literals;

TEST_CASE("retention: the cutoff is now minus the retention, none when it is zero", "[retention]") {
    const SystemTime now{std::chrono::seconds(1'800'000'000)};
    CHECK(retention_cutoff(now, std::chrono::hours(30 * 24)) == now - std::chrono::hours(720));
    CHECK(retention_cutoff(now, 1s) == now - 1s);
    CHECK_FALSE(retention_cutoff(now, 0ms).has_value());
}

TEST_CASE("retention: the store is swept every tenth of the retention, from 1 s to 60 s", "[retention]") {
    CHECK(sweep_interval(std::chrono::hours(30 * 24)) == 60s);
    CHECK(sweep_interval(5min) == 30s);
    CHECK(sweep_interval(20s) == 2s);
    CHECK(sweep_interval(1s) == 1s);
    CHECK(sweep_interval(1ms) == 1s);
}

TEST_CASE("retention: a full batch means sweep again at once, a short one waits for the next tick", "[retention]") {
    CHECK(more_to_sweep(500, 500));
    CHECK_FALSE(more_to_sweep(499, 500));
    CHECK_FALSE(more_to_sweep(0, 500));
    CHECK_FALSE(more_to_sweep(0, 0));
}

namespace {

OperationRecord finished_at(std::string id, SystemTime completed) {
    OperationRecord op;
    op.operation_id = std::move(id);
    op.domain = "echo";
    op.operation_type = "echo";
    op.status = OperationStatus::Completed;
    op.created_at = completed - 1s;
    op.updated_at = completed;
    op.completed_at = completed;
    return op;
}

// The backend's core thread in small: the group commit and the sweeper's
// batches are posted to one io_context, which the test runs until idle.
struct Core {
    boost::asio::io_context io;
    test::ManualClock clock;
    test::Storage store{":memory:"};
    FinishedCache finished;
    backend::CoreTimers timers{io, clock};
    std::size_t turns = 0;  // handlers run: batches interleave with the rest of the work

    Core() {
        store.database.set_batch_scheduler([this](std::function<void()> commit) { boost::asio::post(io, std::move(commit)); });
    }

    std::optional<std::size_t> sweep(RetentionSweeper& sweeper) {
        std::optional<std::size_t> deleted;
        boost::asio::post(io, [&] { sweeper.sweep([&](std::size_t n) { deleted = n; }); });
        io.restart();
        turns = io.run();
        return deleted;
    }
};

}  // namespace

TEST_CASE("retention: a sweep deletes old finished operations batch by batch and evicts their answers",
          "[retention]") {
    Core core;
    const SystemTime start = core.clock.now();
    for (int i = 0; i < 7; ++i) {
        const auto id = "old_" + std::to_string(i);
        REQUIRE(core.store.operations.insert(finished_at(id, start - 2h)) == OperationRepository::Insert::Inserted);
        core.finished.put(id, "{}");
    }
    REQUIRE(core.store.operations.insert(finished_at("young", start - 30min)) == OperationRepository::Insert::Inserted);
    core.finished.put("young", "{}");
    auto running = finished_at("running", start - 3h);
    running.status = OperationStatus::Running;
    running.completed_at.reset();
    REQUIRE(core.store.operations.insert(running) == OperationRepository::Insert::Inserted);
    core.store.database.commit_batch();

    RetentionSweeper sweeper(core.io, core.timers, core.store.database, core.store.operations, core.finished, core.clock, 1h, 3);
    CHECK(core.sweep(sweeper) == 7u);
    CHECK(core.turns >= 3 * 2);  // three batches, each its own turn with its own commit
    for (int i = 0; i < 7; ++i) {
        const auto id = "old_" + std::to_string(i);
        CHECK_FALSE(core.store.operations.find(id));
        CHECK_FALSE(core.finished.get(id));
    }
    CHECK(core.store.operations.find("young"));
    CHECK(core.finished.get("young"));
    CHECK(core.store.operations.find("running"));

    // Time passes: the young one is old now; the running one never is.
    core.clock.advance(31min);
    CHECK(core.sweep(sweeper) == 1u);
    CHECK_FALSE(core.store.operations.find("young"));
    CHECK_FALSE(core.finished.get("young"));
    CHECK(core.store.operations.find("running"));
    CHECK(core.sweep(sweeper) == 0u);
}

TEST_CASE("retention: zero keeps everything", "[retention]") {
    Core core;
    REQUIRE(core.store.operations.insert(finished_at("ancient", SystemTime{})) == OperationRepository::Insert::Inserted);
    RetentionSweeper sweeper(core.io, core.timers, core.store.database, core.store.operations, core.finished, core.clock, 0ms, 500);
    CHECK(core.sweep(sweeper) == 0u);
    CHECK(core.store.operations.find("ancient"));
}
