// A start taken from the queue by an idle worker leaves before its claim is committed; after a
// restart the queue waits for the workers' word (RestartHold), so such an operation is claimed to the
// worker that has it instead of given to a second one.
#include "backend/dispatch/restart_hold.hpp"
#include "tests/support/backend_core.hpp"
#include "tests/support/engine_test_support.hpp"

#include <boost/json/parse.hpp>
#include <catch2/catch.hpp>

#include <optional>
#include <string>
#include <tuple>
#include <vector>

using namespace fleet;
using namespace fleet::backend;

using Core = test::BackendCore;
using test::id_of_start;

namespace {

// The worker's answer to GET /api/v1/operations: these operations, newest first, with their statuses.
std::string newest(const std::vector<std::pair<std::string, std::string>>& operations) {
    std::string items;
    for (const auto& [id, status] : operations)
        items += std::string(items.empty() ? "" : ",") + R"({"operation_id": ")" + id + R"(", "status": ")" + status +
                 R"("})";
    return R"({"success": true, "data": {"operations": [)" + items + R"(], "total": 2, "limit": 100, "offset": 0}})";
}

// A backend that ran w1 (one slot) with one operation on it and one queued behind, was killed, and
// started again on the same file (as run() does, up to asking the workers).
struct Restarted {
    test::TempDir dir;
    std::string path = (dir.path() / "fleet.db").string();
    std::string running, queued;
    std::optional<Core> after;
    std::optional<RestartHold> hold;
    bool released = false;

    Restarted() {
        {
            Core before(path);
            before.add_worker("w1");
            before.start();
            before.start();
            REQUIRE(before.workers.calls.size() == 1);
            running = id_of_start(before.workers.calls[0]);
            before.operations.for_each_active([&](const OperationRecord& operation) {
                if (operation.status == OperationStatus::Queued) queued = operation.operation_id;
            });
            REQUIRE_FALSE(queued.empty());
        }
        after.emplace(path);
        after->registry.load();
        after->operations.load();
        after->dispatcher.restore_assignments();
        hold.emplace(after->registry, after->operations, after->workers, after->dispatcher);
    }
    // What run() does once the workers said what they have.
    void ask() {
        hold->ask([this] {
            after->dispatcher.resend_unanswered_starts();
            after->dispatcher.release_queue();
            released = true;
        });
    }
};

// Runs what the core thread has queued: the group commit, and what waits for it.
void run(Core& core) {
    core.io.restart();
    core.io.poll();
}

}  // namespace

TEST_CASE("restart hold: a queued operation a worker has is claimed to it, not given to an idle second worker",
          "[dispatcher]") {
    Restarted restarted;
    auto& after = *restarted.after;
    const auto& [running, queued] = std::tie(restarted.running, restarted.queued);
    const bool& released = restarted.released;
    restarted.ask();
    REQUIRE(after.workers.calls.size() == 1);
    CHECK(after.workers.calls[0].kind == "newest");
    CHECK(after.workers.calls[0].endpoint_url == "http://w1:5005");
    CHECK_FALSE(released);

    // A second worker registers while the queue is held: it gets nothing yet.
    after.add_worker("w2");
    CHECK(after.workers.calls.size() == 1);
    CHECK(after.operation(queued).status == OperationStatus::Queued);

    // w1 says it ran the first and runs the queued one: the last run sent it before its claim was written.
    after.workers.answer(0, after.workers.status(200, newest({{queued, "running"}, {running, "completed"}})));
    CHECK(released);
    CHECK(after.operation(queued).status == OperationStatus::Pending);
    CHECK(after.operation(queued).worker_id == "w1");
    CHECK(after.held_by("w1") == 2);
    // Both starts go to w1 again (it answers with what it has), none to w2.
    REQUIRE(after.workers.calls.size() == 3);
    for (std::size_t i = 1; i < 3; ++i) {
        CHECK(after.workers.calls[i].kind == "start");
        CHECK(after.workers.calls[i].endpoint_url == "http://w1:5005");
    }
    CHECK(after.held_by("w2") == 0);
}

TEST_CASE("restart hold: a worker that cannot answer is not waited for, and a cancelled one is not adopted",
          "[dispatcher]") {
    Restarted restarted;
    auto& after = *restarted.after;
    const std::string& queued = restarted.queued;
    const bool& released = restarted.released;
    after.dispatcher.hold_queue();  // as ask() does, so that w2's registration sends nothing yet
    after.add_worker("w2");      // on file before the restart, as far as the hold goes: asked too
    restarted.ask();
    REQUIRE(after.workers.calls.size() == 2);
    const std::size_t to_w2 = after.workers.calls[0].endpoint_url == "http://w2:5005" ? 0 : 1;
    // w2 was told to stop it (cancelled there): it stays queued.
    after.workers.answer(to_w2, after.workers.status(200, newest({{queued, "cancelled"}})));
    CHECK_FALSE(released);
    after.workers.answer(1 - to_w2, after.workers.failure(http::ClientError::Refused));
    CHECK(released);
    // The claimed one's start goes to w1 again; the queue moves again: the queued one goes to the idle w2.
    REQUIRE(after.workers.calls.size() == 4);
    CHECK(after.workers.calls[2].endpoint_url == "http://w1:5005");
    CHECK(after.workers.calls[3].kind == "start");
    CHECK(after.workers.calls[3].endpoint_url == "http://w2:5005");
    CHECK(id_of_start(after.workers.calls[3]) == queued);
}

TEST_CASE("restart hold: nothing queued, nothing asked", "[dispatcher]") {
    Core core;
    core.add_worker("w1");
    RestartHold hold(core.registry, core.operations, core.workers, core.dispatcher);
    bool released = false;
    hold.ask([&] { released = true; });
    CHECK(released);
    CHECK(core.workers.calls.empty());
}

TEST_CASE("dispatcher: an idle worker gets a start from the queue before the claim's commit; a new operation's "
          "start waits for its commit",
          "[dispatcher]") {
    Core core;
    core.core.group_commits();
    core.add_worker("w1");
    run(core);
    core.start();
    CHECK(core.workers.calls.empty());  // new: not before it is stored
    run(core);
    REQUIRE(core.workers.calls.size() == 1);
    const std::string first = id_of_start(core.workers.calls[0]);
    core.start();  // queued behind it
    run(core);
    std::string queued;
    core.operations.for_each_active([&](const OperationRecord& operation) {
        if (operation.status == OperationStatus::Queued) queued = operation.operation_id;
    });
    REQUIRE_FALSE(queued.empty());

    // The first ends in its start's answer: w1 is idle, and the queued one leaves at once.
    core.workers.answer(0, core.workers.status(200, R"({"success": true, "operation": {"operation_id": ")" + first +
                                                        R"(", "status": "completed", "result": {}}})"));
    REQUIRE(core.workers.calls.size() == 2);
    CHECK(id_of_start(core.workers.calls[1]) == queued);
    CHECK(core.store.operations.find(queued)->status == OperationStatus::Queued);  // the claim is not on file yet
    run(core);
    CHECK(core.store.operations.find(queued)->status == OperationStatus::Pending);
}
