// The dispatcher and the registration service on a scripted worker client:
// the orderings that real processes show only now and then, answered by hand.
#include "tests/support/backend_core.hpp"

#include <boost/json/parse.hpp>
#include <catch2/catch.hpp>

using namespace fleet;
using namespace fleet::backend;
using Kind = StartResult::Kind;

using Core = test::BackendCore;
using test::id_of_start;

TEST_CASE("dispatcher: a start the worker takes is started and running", "[dispatcher]") {
    Core core;
    core.add_worker("w1");
    auto& result = core.start();
    REQUIRE(core.workers.calls.size() == 1);
    CHECK(core.workers.calls[0].kind == "start");
    CHECK(core.workers.calls[0].endpoint_url == "http://w1:5005");
    const std::string id = id_of_start(core.workers.calls[0]);
    CHECK_FALSE(result);  // nothing answered before the worker does
    CHECK(core.operation(id).status == OperationStatus::Pending);

    core.workers.answer(0, core.workers.status(200));
    REQUIRE(result);
    CHECK(result->kind == Kind::Started);
    CHECK(result->worker_id == "w1");
    CHECK(core.operation(id).status == OperationStatus::Running);
    CHECK(core.operation(id).attempts == 1);
    CHECK(core.held_by("w1") == 1);
}

TEST_CASE("dispatcher: a completion notice that overtakes the start's answer ends it once", "[dispatcher]") {
    Core core;
    const auto worker = core.add_worker("w1");
    auto& result = core.start();
    const std::string id = id_of_start(core.workers.calls.at(0));

    const auto notice = boost::json::parse(R"({"status": "completed", "result": {"rows": 3}})").as_object();
    auto fenced = notice;
    fenced["instance_id"] = worker.instance_id;
    CHECK(core.registrations.report(id, fenced) == ReportOutcome::Applied);
    CHECK(core.operation(id).status == OperationStatus::Completed);
    CHECK(core.held_by("w1") == 0);

    // The start's answer comes last: the start did happen, and nothing moves back.
    core.workers.answer(0, core.workers.status(200));
    REQUIRE(result);
    CHECK(result->kind == Kind::Started);
    CHECK(core.operation(id).status == OperationStatus::Completed);
    CHECK(core.operation(id).result.at("rows") == 3);
    CHECK(core.registrations.report(id, notice) == ReportOutcome::AlreadyFinal);
}

// A worker's answer to the start of `id` that carries the operation's end.
std::string answer_with_end(const std::string& id, const std::string& extra = {}) {
    return R"({"success": true, "operation_id": ")" + id + R"(", "status": "started", "worker_id": "w1")" + extra +
           R"(, "operation": {"operation_id": ")" + id +
           R"(", "status": "completed", "result": {"echo": 1.5}, "completed_at": "2026-11-30T00:00:00.000Z"}})";
}

TEST_CASE("dispatcher: a start answered with the operation's end (work that ended at once) ends it and sends the next",
          "[dispatcher]") {
    Core core;
    core.add_worker("w1");
    auto& first = core.start();
    const std::string id = id_of_start(core.workers.calls.at(0));
    core.start();  // waits: w1 holds one operation at a time
    REQUIRE(core.workers.calls.size() == 1);

    core.workers.answer(0, core.workers.status(200, answer_with_end(id)));
    REQUIRE(first);
    CHECK(first->kind == Kind::Started);
    CHECK(core.operation(id).status == OperationStatus::Completed);
    CHECK(core.operation(id).result.at("echo") == 1.5);
    CHECK(core.operation(id).started_at.has_value());
    // w1 is free at once, without a completion notice: the queued one leaves.
    REQUIRE(core.workers.calls.size() == 2);
    CHECK(id_of_start(core.workers.calls[1]) != id);
    CHECK(core.held_by("w1") == 1);
}

TEST_CASE("dispatcher: an end in the answer that names another operation is not taken", "[dispatcher]") {
    Core core;
    core.add_worker("w1");
    core.start();
    const std::string id = id_of_start(core.workers.calls.at(0));
    core.workers.answer(0, core.workers.status(200, answer_with_end("op_someone_else")));
    CHECK(core.operation(id).status == OperationStatus::Running);
}

TEST_CASE("dispatcher: at start, a claimed operation's start is sent again; a worker that ran it answers with its end",
          "[dispatcher]") {
    Core core;
    core.add_worker("w1");
    core.start();
    const std::string id = id_of_start(core.workers.calls.at(0));
    CHECK(core.operation(id).status == OperationStatus::Pending);

    // As after a restart: the claim is on file, and whether its start left is not known.
    core.dispatcher.resend_unanswered_starts();
    REQUIRE(core.workers.calls.size() == 2);
    CHECK(core.workers.calls[1].kind == "start");
    CHECK(core.workers.calls[1].endpoint_url == "http://w1:5005");
    CHECK(id_of_start(core.workers.calls[1]) == id);  // the same task_id: the worker runs it at most once

    core.workers.answer(1, core.workers.status(200, answer_with_end(id, R"(, "already_known": true)")));
    CHECK(core.operation(id).status == OperationStatus::Completed);
    CHECK(core.held_by("w1") == 0);
    // The first send's answer, late: nothing moves back.
    core.workers.answer(0, core.workers.status(200));
    CHECK(core.operation(id).status == OperationStatus::Completed);
    CHECK(core.operation(id).attempts == 1);

    // Nothing claimed, nothing sent.
    core.dispatcher.resend_unanswered_starts();
    CHECK(core.workers.calls.size() == 2);
}

TEST_CASE("dispatcher: a goodbye that overtakes the start's answer queues it again, never counted", "[dispatcher]") {
    Core core;
    core.add_worker("w1");
    auto& result = core.start();
    const std::string id = id_of_start(core.workers.calls.at(0));

    CHECK(core.registrations.deregister("w1", {}));
    CHECK(core.operation(id).status == OperationStatus::Queued);
    CHECK(core.operation(id).attempts == 0);

    core.workers.answer(0, core.workers.status(503, R"({"success": false, "worker_status": "draining"})"));
    REQUIRE(result);
    CHECK(result->kind == Kind::Queued);
    CHECK(core.operation(id).status == OperationStatus::Queued);
    CHECK(core.workers.calls.size() == 1);  // no worker left to try

    // The next worker to register gets it.
    core.add_worker("w2");
    REQUIRE(core.workers.calls.size() == 2);
    CHECK(core.workers.calls[1].endpoint_url == "http://w2:5005");
    CHECK(id_of_start(core.workers.calls[1]) == id);
}

TEST_CASE("dispatcher: an unreadable or late answer to a start keeps the claim; no second worker is tried",
          "[dispatcher]") {
    for (const auto error : {http::ClientError::Timeout, http::ClientError::TooLarge, http::ClientError::Truncated}) {
        Core core;
        core.add_worker("w1");
        core.add_worker("w2");
        auto& result = core.start();
        const std::string id = id_of_start(core.workers.calls.at(0));
        core.workers.answer(0, core.workers.failure(error));
        REQUIRE(result);
        CHECK(result->kind == Kind::Pending);
        CHECK(core.operation(id).status == OperationStatus::Pending);
        CHECK(core.workers.calls.size() == 1);
    }
}

TEST_CASE("dispatcher: a worker that is not there is skipped for the next; one that refuses the request fails it",
          "[dispatcher]") {
    Core core;
    core.add_worker("w1");
    core.add_worker("w2");
    auto& result = core.start();
    const std::string id = id_of_start(core.workers.calls.at(0));
    const std::string first = core.workers.calls[0].endpoint_url;

    core.workers.answer(0, core.workers.failure(http::ClientError::Refused));
    REQUIRE(core.workers.calls.size() == 2);
    CHECK(core.workers.calls[1].endpoint_url != first);
    CHECK_FALSE(result);

    const std::string refusal = R"({"success": false, "error": "unknown field 'x'"})";
    core.workers.answer(1, core.workers.status(400, refusal));
    REQUIRE(result);
    CHECK(result->kind == Kind::Rejected);
    CHECK(result->worker_status == 400);
    CHECK(result->worker_body == refusal);
    CHECK(core.operation(id).status == OperationStatus::Failed);
    CHECK(core.operation(id).error_message == "unknown field 'x'");
}

TEST_CASE("dispatcher: a domain nobody serves, or requirements nobody meets, creates nothing", "[dispatcher]") {
    Core core;
    core.add_worker("w1");
    std::optional<StartResult> result;
    StartRequest nobody;
    nobody.domain = "teleport";
    core.dispatcher.start(std::move(nobody), [&](StartResult r) { result = std::move(r); });
    REQUIRE(result);
    CHECK(result->kind == Kind::NoWorkerServes);
    CHECK(result->operation_id.empty());

    StartRequest demanding;
    demanding.domain = "echo";
    demanding.requirements = {{"gpu", true}};
    core.dispatcher.start(std::move(demanding), [&](StartResult r) { result = std::move(r); });
    CHECK(result->kind == Kind::Unmeetable);
    CHECK(core.workers.calls.empty());
}

TEST_CASE("dispatcher: a worker that registers again before it reads a start keeps that operation; the answer runs it",
          "[dispatcher]") {
    // Found by scripts/chaos: a worker SIGSTOPped while a start waits in its socket wakes up, registers again
    // (no health check for a while) without the operation, then reads the start and runs it. Failing the
    // operation at the registration ("restarted without it") recorded as failed work that completed.
    Core core;
    core.add_worker("w1");
    auto& result = core.start();
    const std::string id = id_of_start(core.workers.calls.at(0));
    REQUIRE(core.operation(id).status == OperationStatus::Pending);

    const auto again = core.add_worker("w1");
    CHECK(core.operation(id).status == OperationStatus::Pending);
    CHECK(core.held_by("w1") == 1);  // its slot stays taken: nothing else is sent to it meanwhile
    CHECK(core.workers.calls.size() == 1);

    core.workers.answer(0, core.workers.status(200));
    REQUIRE(result);
    CHECK(result->kind == Kind::Started);
    CHECK(core.operation(id).status == OperationStatus::Running);

    auto notice = boost::json::parse(R"({"status": "completed", "result": {"rows": 3}})").as_object();
    notice["instance_id"] = again.instance_id;
    CHECK(core.registrations.report(id, notice) == ReportOutcome::Applied);
    CHECK(core.operation(id).status == OperationStatus::Completed);
    CHECK(core.held_by("w1") == 0);
}

TEST_CASE("dispatcher: a worker that registers again without an operation it runs is asked; a new process "
          "answers 404 and the operation is lost at once",
          "[dispatcher]") {
    Core core;
    core.add_worker("w1");
    core.start();
    const std::string id = id_of_start(core.workers.calls.at(0));
    core.workers.answer(0, core.workers.status(200));
    REQUIRE(core.operation(id).status == OperationStatus::Running);

    core.add_worker("w1");
    REQUIRE(core.workers.calls.size() == 2);
    CHECK(core.workers.calls[1].kind == "get");
    CHECK(core.workers.calls[1].target == id);
    CHECK(core.operation(id).status == OperationStatus::Running);

    core.workers.answer(1, core.workers.status(404, R"({"success": false, "error": "not found"})"));
    CHECK(core.operation(id).status == OperationStatus::Failed);
    CHECK(core.operation(id).error_message == "worker w1 restarted without it");
    CHECK(core.held_by("w1") == 0);
}

TEST_CASE("dispatcher: a registration written before the work ended does not lose it; the worker's answer ends it",
          "[dispatcher]") {
    // Also found by scripts/chaos: the worker woke from SIGSTOP, its registrar wrote the registration while
    // the I/O thread took the start and the work (3 ms) ran; the backend heard the start's answer first.
    Core core;
    core.add_worker("w1");
    core.start();
    const std::string id = id_of_start(core.workers.calls.at(0));
    core.workers.answer(0, core.workers.status(200));

    core.add_worker("w1");
    REQUIRE(core.workers.calls.size() == 2);
    CHECK(core.held_by("w1") == 1);
    core.workers.answer(1, core.workers.status(200, R"({"success": true, "data": {"operation_id": ")" + id +
                                                        R"(", "status": "completed", "result": {"rows": 3}}})"));
    CHECK(core.operation(id).status == OperationStatus::Completed);
    CHECK(core.operation(id).result.at("rows") == 3);
    CHECK(core.held_by("w1") == 0);
}
