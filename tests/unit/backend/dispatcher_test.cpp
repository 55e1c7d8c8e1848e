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
