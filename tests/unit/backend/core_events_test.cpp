// The core's events as its services publish them: every status move of an
// operation and of a worker, progress taken in, and the end, in order and
// only once the store has committed them.
#include "tests/support/backend_core.hpp"

#include <boost/json/parse.hpp>
#include <catch2/catch.hpp>

#include <string>
#include <utility>
#include <vector>

using namespace fleet;
using namespace fleet::backend;
using test::id_of_start;

namespace {

// A core whose writes wait for the group commit, as in fleet-backend; every
// event it publishes, written down as a line.
struct HeardCore : test::BackendCore {
    HeardCore() {
        core.group_commits();
        events.subscribe<OperationStatusChanged>([this](const OperationStatusChanged& e) {
            heard.push_back("operation " + std::string(e.from ? to_string(*e.from) : "new") + " -> " +
                            std::string(to_string(e.operation.status)));
        });
        events.subscribe<OperationProgressed>([this](const OperationProgressed& e) {
            heard.push_back("progress " + std::to_string(e.operation.progress.at("percentage").to_number<int>()));
        });
        events.subscribe<OperationEnded>([this](const OperationEnded& e) {
            heard.push_back("ended " + std::string(to_string(e.operation->status)));
        });
        events.subscribe<WorkerStatusChanged>([this](const WorkerStatusChanged& e) {
            heard.push_back("worker " + e.worker_id + " " + std::string(e.from ? to_string(*e.from) : "new") + " -> " +
                            std::string(to_string(e.to)));
        });
    }

    // What is still pending is delivered while `heard` is there to take it.
    ~HeardCore() { commit(); }

    // Runs what the core thread has queued: the group commit, and what waits for it.
    std::vector<std::string> commit() {
        io.restart();
        io.poll();
        return std::exchange(heard, {});
    }

    std::vector<std::string> heard;
};

using Lines = std::vector<std::string>;

}  // namespace

TEST_CASE("core events: an operation's life, heard in order and only after each commit", "[events]") {
    HeardCore core;
    core.add_worker("w1");
    CHECK(core.heard.empty());
    CHECK(core.commit() == Lines{"worker w1 new -> AVAILABLE"});

    core.start();
    CHECK(core.heard.empty());
    CHECK(core.workers.calls.empty());  // the start too waits for the claim's commit
    CHECK(core.commit() == Lines{"worker w1 AVAILABLE -> BUSY", "operation new -> pending"});
    REQUIRE(core.workers.calls.size() == 1);
    const std::string id = id_of_start(core.workers.calls[0]);

    core.workers.answer(0, core.workers.status(200));
    CHECK(core.heard.empty());
    CHECK(core.commit() == Lines{"operation pending -> running"});

    const auto progress = boost::json::parse(R"({"status": "running", "progress": {"percentage": 40}})").as_object();
    CHECK(core.registrations.report(id, progress) == ReportOutcome::Applied);
    CHECK(core.commit() == Lines{"progress 40"});

    const auto done = boost::json::parse(R"({"status": "completed", "result": {"rows": 1}})").as_object();
    CHECK(core.registrations.report(id, done) == ReportOutcome::Applied);
    CHECK(core.heard.empty());
    CHECK(core.commit() == Lines{"worker w1 BUSY -> AVAILABLE", "operation running -> completed", "ended completed"});
}

TEST_CASE("core events: a refresh that brings progress is heard; a lost worker's moves are too", "[events]") {
    HeardCore core;
    core.add_worker("w1");
    core.start();
    core.commit();
    const std::string id = id_of_start(core.workers.calls.at(0));
    core.workers.answer(0, core.workers.status(200));
    core.commit();

    core.proxy.refresh(id, {});
    REQUIRE(core.workers.calls.size() == 2);
    core.workers.answer(1, core.workers.status(200, R"({"success": true, "data": {"status": "running",
        "progress": {"percentage": 70}}})"));
    CHECK(core.commit() == Lines{"progress 70"});

    core.dispatcher.worker_lost("w1", "connection refused");
    CHECK(core.heard.empty());
    CHECK(core.commit() == Lines{"worker w1 BUSY -> TEMPORARILY_UNAVAILABLE", "operation running -> failed", "ended failed"});
}
