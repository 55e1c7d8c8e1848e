#include "backend/api/responses.hpp"

#include <boost/json/parse.hpp>
#include <catch2/catch.hpp>

using namespace fleet;
using namespace fleet::backend;
using Kind = StartResult::Kind;

namespace {

boost::json::object body_of(const http::HttpResponse& response) { return boost::json::parse(response.body).as_object(); }

}  // namespace

TEST_CASE("start answers: each plain result has one HTTP answer, made only here", "[start]") {
    const boost::json::object requirements{{"gpu", true}};

    auto started = start_answer({Kind::Started, "op_1", "w1"}, "echo", requirements);
    CHECK(started.status == 200);
    CHECK(body_of(started) == boost::json::parse(
                                  R"({"success": true, "operation_id": "op_1", "status": "started", "worker_id": "w1"})"));

    auto pending = start_answer({Kind::Pending, "op_2", "w2"}, "echo", requirements);
    CHECK(pending.status == 202);
    CHECK(body_of(pending).at("status") == "pending");
    CHECK(body_of(pending).at("worker_id") == "w2");

    auto queued = start_answer({Kind::Queued, "op_3"}, "echo", requirements);
    CHECK(queued.status == 202);
    CHECK(body_of(queued) == boost::json::parse(R"({"success": true, "operation_id": "op_3", "status": "queued"})"));

    auto unserved = start_answer({Kind::NoWorkerServes}, "teleport", requirements);
    CHECK(unserved.status == 404);
    CHECK(body_of(unserved).at("error") == "no registered worker serves domain 'teleport'");

    auto unmeetable = start_answer({Kind::Unmeetable}, "echo", requirements);
    CHECK(unmeetable.status == 422);
    CHECK(body_of(unmeetable).at("requirements") == requirements);

    // The worker's own refusal is relayed as it came.
    const std::string refusal = R"({"success": false, "error": "unknown field 'x'"})";
    auto rejected = start_answer({Kind::Rejected, "op_4", "w1", 400, refusal}, "backtests", requirements);
    CHECK(rejected.status == 400);
    CHECK(rejected.body == refusal);
}
