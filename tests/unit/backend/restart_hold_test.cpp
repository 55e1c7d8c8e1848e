// A start taken from the queue by an idle worker leaves before its claim is committed; after a
// restart the queue waits for the workers' word (RestartHold), so such an operation is claimed to the
// worker that has it instead of given to a second one.
#include "backend/dispatch/restart_hold.hpp"
#include "tests/support/backend_core.hpp"
#include "tests/support/engine_test_support.hpp"

#include <boost/json/parse.hpp>
#include <catch2/catch.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
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
    return R"({"success": true, "data": {"operations": [)" + items + R"(], "limit": 100, "offset": 0}})";
}

// Runs what the core thread has queued: the group commit, and what waits for it.
void run(Core& core) {
    core.io.restart();
    core.io.poll();
}

// A backend with two one-slot workers and three operations, killed (in a child process that ends
// without committing) right after it sent the queued one to w1 at once, when w1's first operation
// ended in its start's answer; then started again on the same file, as run() does up to asking the
// workers (the starts of claims on file sent again first).
struct Restarted {
    test::TempDir dir;
    std::string path = (dir.path() / "fleet.db").string();
    std::string sent_at_once;  // queued on file, sent to w1 before its claim's commit
    std::optional<Core> after;
    std::optional<RestartHold> hold;
    bool released = false;

    Restarted() {
        const auto ids_file = dir.path() / "sent";
        const pid_t child = ::fork();
        REQUIRE(child >= 0);
        if (child == 0) {
            Core before(path);
            before.core.group_commits();
            before.add_worker("w1");
            before.add_worker("w2");
            before.start();
            before.start();
            before.start();
            run(before);  // the first two are stored and sent, the third is stored queued
            if (before.workers.calls.size() != 2) ::_exit(2);
            const std::string first = id_of_start(before.workers.calls[0]);
            before.workers.answer(0, before.workers.status(200, R"({"success": true, "operation": {"operation_id": ")" +
                                                                    first + R"(", "status": "completed", "result": {}}})"));
            if (before.workers.calls.size() != 3) ::_exit(3);  // sent at once, before any commit
            std::ofstream(ids_file) << id_of_start(before.workers.calls[2]);
            ::_exit(0);  // killed: the claim (and the first one's end) never committed
        }
        int status = 0;
        REQUIRE(::waitpid(child, &status, 0) == child);
        REQUIRE(WIFEXITED(status));
        REQUIRE(WEXITSTATUS(status) == 0);
        std::ifstream(ids_file) >> sent_at_once;
        REQUIRE_FALSE(sent_at_once.empty());

        after.emplace(path);
        after->registry.load();
        after->operations.load();
        after->dispatcher.restore_assignments();
        REQUIRE(after->operation(sent_at_once).status == OperationStatus::Queued);  // what the file says
        after->dispatcher.resend_unanswered_starts();
        after->workers.calls.clear();  // the two claimed ones' starts: not what these tests look at
        hold.emplace(after->registry, after->operations, after->workers, after->dispatcher);
    }
    void ask() {
        hold->ask([this] {
            after->dispatcher.release_queue();
            released = true;
        });
    }
    // The index of the "newest" call to `worker`.
    std::size_t asked(const std::string& worker) const {
        for (std::size_t i = 0; i < after->workers.calls.size(); ++i)
            if (after->workers.calls[i].kind == "newest" && after->workers.calls[i].endpoint_url == "http://" + worker + ":5005")
                return i;
        FAIL("no newest call to " << worker);
        return 0;
    }
};

}  // namespace

TEST_CASE("restart hold: an operation sent before its claim's commit is claimed to the worker that has it, "
          "never given to another",
          "[dispatcher]") {
    Restarted restarted;
    auto& after = *restarted.after;
    const std::string& id = restarted.sent_at_once;
    restarted.ask();
    REQUIRE(after.workers.calls.size() == 2);  // w1 and w2 asked, nothing else sent
    CHECK_FALSE(restarted.released);

    // w1 answers while the queue is held: a worker that registers meanwhile gets nothing from the queue.
    after.add_worker("w3");
    CHECK(after.workers.calls.size() == 2);

    after.workers.answer(restarted.asked("w2"), after.workers.status(200, newest({})));
    CHECK_FALSE(restarted.released);
    after.workers.answer(restarted.asked("w1"), after.workers.status(200, newest({{id, "running"}})));
    CHECK(restarted.released);
    CHECK(after.operation(id).status == OperationStatus::Pending);
    CHECK(after.operation(id).worker_id == "w1");
    CHECK(after.operation(id).attempts == 1);  // the killed run's claim never reached the file
    // Its start goes to w1 again (it answers with what it has); w3 gets nothing.
    REQUIRE(after.workers.calls.size() == 3);
    CHECK(after.workers.calls[2].kind == "start");
    CHECK(after.workers.calls[2].endpoint_url == "http://w1:5005");
    CHECK(id_of_start(after.workers.calls[2]) == id);
    CHECK(after.held_by("w3") == 0);
}

TEST_CASE("restart hold: a worker that runs it wins over one that has it cancelled, whichever answers first",
          "[dispatcher]") {
    for (const bool cancelled_first : {true, false}) {
        Restarted restarted;
        auto& after = *restarted.after;
        const std::string& id = restarted.sent_at_once;
        restarted.ask();
        const auto w1 = restarted.asked("w1");
        const auto w2 = restarted.asked("w2");
        const auto cancelled = [&] { after.workers.answer(w2, after.workers.status(200, newest({{id, "cancelled"}}))); };
        const auto running = [&] { after.workers.answer(w1, after.workers.status(200, newest({{id, "completed"}}))); };
        if (cancelled_first) { cancelled(); running(); } else { running(); cancelled(); }
        CHECK(after.operation(id).worker_id == "w1");
    }
}

TEST_CASE("restart hold: only cancelled on its worker, it is claimed there and ends as the worker says", "[dispatcher]") {
    Restarted restarted;
    auto& after = *restarted.after;
    const std::string& id = restarted.sent_at_once;
    restarted.ask();
    after.workers.answer(restarted.asked("w2"), after.workers.status(200, newest({})));
    after.workers.answer(restarted.asked("w1"), after.workers.status(200, newest({{id, "cancelled"}})));
    REQUIRE(after.workers.calls.size() == 3);
    CHECK(after.workers.calls[2].endpoint_url == "http://w1:5005");
    after.workers.answer(2, after.workers.status(200, R"({"success": true, "already_known": true, "operation": )"
                                                     R"({"operation_id": ")" + id + R"(", "status": "cancelled"}})"));
    CHECK(after.operation(id).status == OperationStatus::Cancelled);
}

TEST_CASE("restart hold: a worker that cannot answer is not waited for", "[dispatcher]") {
    Restarted restarted;
    auto& after = *restarted.after;
    restarted.ask();
    after.workers.answer(restarted.asked("w1"), after.workers.failure(http::ClientError::Refused));
    CHECK_FALSE(restarted.released);
    after.workers.answer(restarted.asked("w2"), after.workers.status(200, newest({})));
    CHECK(restarted.released);
    CHECK(after.operation(restarted.sent_at_once).status == OperationStatus::Queued);  // for the next free worker
}

TEST_CASE("restart hold: a worker that registers again naming a queued operation keeps it, not told to stop it",
          "[dispatcher]") {
    Restarted restarted;
    auto& after = *restarted.after;
    const std::string& id = restarted.sent_at_once;
    restarted.ask();
    backend::Registration again;
    again.worker_id = "w1";
    again.worker_type = "echo";
    again.domain = "echo";
    again.endpoint_url = "http://w1:5005";
    again.max_concurrent = 1;
    again.current_operation_ids = {id};
    const auto registered = after.registrations.register_worker(again);
    REQUIRE(registered);
    CHECK(registered->stop_operations.empty());
    CHECK(after.operation(id).status == OperationStatus::Pending);
    CHECK(after.operation(id).worker_id == "w1");
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

TEST_CASE("dispatcher: a worker with work in hand gets a start from the queue once the claim is committed",
          "[dispatcher]") {
    Core core;
    core.core.group_commits();
    core.add_worker("w1", 2);
    run(core);
    core.start();
    core.start();
    core.start();  // queued: w1 has two
    run(core);
    REQUIRE(core.workers.calls.size() == 2);
    const std::string first = id_of_start(core.workers.calls[0]);
    core.workers.answer(1, core.workers.status(200));  // the second runs on

    // The first ends: w1 still runs the second, so the queued one waits for its claim's commit.
    core.workers.answer(0, core.workers.status(200, R"({"success": true, "operation": {"operation_id": ")" + first +
                                                        R"(", "status": "completed", "result": {}}})"));
    CHECK(core.workers.calls.size() == 2);
    run(core);
    CHECK(core.workers.calls.size() == 3);
}
