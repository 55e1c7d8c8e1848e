#include "tests/contract/schedule_contract.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <string>
#include <utility>
#include <vector>

namespace fleet::contract {

namespace {

using boost::json::array;
using boost::json::object;

const std::string kSchedules = "/api/v1/schedules";
// Once a year: nothing fires while the contract runs; triggers start the runs.
constexpr const char* kYearly = "0 0 1 1 *";

object waiting_workflow(const std::string& name) {
    return {{"name", name}, {"steps", array{object{{"name", "wait"}, {"signal", "go"}}}}};
}

object schedule_request(const std::string& name, object extra = {}) {
    object body{{"name", name}, {"cron", kYearly}, {"workflow", waiting_workflow(name + "-run")}};
    for (auto& field : extra) body[field.key()] = field.value();
    return body;
}

// Requests the backend refuses: 400 for types, fields, cron and zone; 422 for the workflow's graph.
void refused_schedules(ContractSession& api) {
    const auto good = schedule_request("contract-refused");
    api.expect(400, "POST", kSchedules, std::string("{not json"));
    api.expect(400, "POST", kSchedules, with_field(good, "colour", "blue"));
    api.expect(400, "POST", kSchedules, with_field(good, "name", 5));
    api.expect(400, "POST", kSchedules, with_field(good, "overlap", "sometimes"));
    api.expect(400, "POST", kSchedules, with_field(good, "catchup", "twice"));
    CHECK(api.expect(400, "POST", kSchedules, with_field(good, "cron", "61 * * * *")).object().at("field") == "minute");
    CHECK(api.expect(400, "POST", kSchedules, with_field(good, "cron", "* * * *")).object().at("field") ==
          "expression");
    CHECK(api.expect(400, "POST", kSchedules, with_field(good, "timezone", "Mars/Olympus_Mons")).object().at("field") ==
          "timezone");
    const array unknown{object{{"name", "a"}, {"signal", "go"}, {"depends_on", array{"nobody"}}}};
    const object bad_graph{{"name", "contract-bad-graph"}, {"steps", unknown}};
    CHECK(api.expect(422, "POST", kSchedules, with_field(good, "workflow", bad_graph)).text("step") == "a");
    api.expect(422, "POST", kSchedules, with_field(good, "workflow", object{{"name", "none"}, {"steps", array{}}}));

    const std::pair<int, const char*> lists[] = {
        {200, ""}, {200, "?limit=5&offset=0"}, {400, "?limit=0"}, {400, "?limit=5000"}, {400, "?offset=-1"}};
    for (const auto& [status, query] : lists) api.expect(status, "GET", kSchedules + query);

    const std::string preview = kSchedules + "/preview";
    const auto previewed = api.expect(
        200, "GET", preview + "?cron=0%209%20*%20*%20MON-FRI&timezone=Europe/Amsterdam&from=2027-03-26T00:00:00Z&count=3");
    CHECK(previewed.object().at("data").at("next_run_times") ==
          array{"2027-03-26T08:00:00.000Z", "2027-03-29T07:00:00.000Z", "2027-03-30T07:00:00.000Z"});
    api.expect(200, "GET", preview + "?cron=@every%2090s");
    const char* refused_previews[] = {"",
                                      "?cron=61%20*%20*%20*%20*",
                                      "?cron=*%20*%20*%20*%20*&timezone=Nowhere/Special",
                                      "?cron=@daily&from=yesterday",
                                      "?cron=@daily&count=0",
                                      "?cron=@daily&count=101"};
    for (const auto* query : refused_previews) api.expect(400, "GET", preview + query);
}

// Ids no schedule has, and ids that are not plain.
void unknown_schedules(ContractSession& api) {
    const std::string nobody = kSchedules + "/sch_000000000000";
    api.expect(404, "GET", nobody);
    api.expect(404, "DELETE", nobody);
    for (const char* action : {"/pause", "/resume", "/trigger"}) api.expect(404, "POST", nobody + action);
    const std::string crooked = kSchedules + "/not%20plain";
    api.expect(400, "GET", crooked);
    api.expect(400, "DELETE", crooked);
    for (const char* action : {"/pause", "/resume", "/trigger"}) api.expect(400, "POST", crooked + action);
}

// Cancels a run the schedule started, so that nothing waits on after the contract.
void cancel_run(ContractSession& api, const std::string& workflow_id) {
    api.expect(200, "POST", "/api/v1/workflows/" + workflow_id + "/cancel");
}

}  // namespace

void exercise_schedules(ContractSession& api) {
    refused_schedules(api);
    unknown_schedules(api);

    // Overlap skip (the default): a trigger starts a run, a second one while it waits is skipped.
    const auto created = api.expect(201, "POST", kSchedules,
                                    body_of(schedule_request("contract-skip", {{"timezone", "Europe/Amsterdam"},
                                                                               {"catchup", "all"}})));
    const std::string id = created.text("schedule_id");
    REQUIRE(!id.empty());
    const std::string path = kSchedules + "/" + id;
    const auto started = api.expect(200, "POST", path + "/trigger");
    CHECK(started.text("outcome") == "started");
    const std::string run = started.text("workflow_id");
    const auto skipped = api.expect(200, "POST", path + "/trigger");
    CHECK(skipped.text("outcome") == "skipped");
    const auto view = api.expect(200, "GET", path);
    CHECK(view.object().at("data").at("recent_runs").as_array().size() == 1);
    CHECK(view.object().at("data").at("skipped_runs").as_array().size() == 1);
    api.expect(200, "GET", "/api/v1/workflows?schedule_id=" + id);

    // Pause and resume, each refused where the schedule already is so.
    CHECK(api.expect(200, "POST", path + "/pause").object().at("next_run_at").is_null());
    api.expect(409, "POST", path + "/pause");
    api.expect(200, "GET", path);
    api.expect(200, "POST", path + "/resume");
    api.expect(409, "POST", path + "/resume");

    // buffer_one, created paused: the second trigger is kept for when the first run ends.
    const auto buffering = api.expect(
        201, "POST", kSchedules,
        body_of(schedule_request("contract-buffer", {{"overlap", "buffer_one"}, {"paused", true}})));
    CHECK(buffering.object().at("next_run_at").is_null());
    const std::string buffer_path = kSchedules + "/" + buffering.text("schedule_id");
    const std::string first = api.expect(200, "POST", buffer_path + "/trigger").text("workflow_id");
    CHECK(api.expect(200, "POST", buffer_path + "/trigger").text("outcome") == "buffered");
    api.expect(200, "GET", buffer_path);
    api.expect(200, "GET", kSchedules + "?limit=1");

    // Deleted: 404 after; its runs go on until cancelled.
    api.expect(200, "DELETE", buffer_path);
    api.expect(404, "GET", buffer_path);
    cancel_run(api, first);
    cancel_run(api, run);
    api.expect(200, "DELETE", path);
    // The buffered run may start as the first ends; it is cancelled too.
    const auto runs = api.expect(200, "GET", "/api/v1/workflows?name=contract-buffer-run&status=running");
    for (const auto& item : runs.object().at("data").at("workflows").as_array())
        cancel_run(api, std::string(item.at("workflow_id").as_string()));
}

}  // namespace fleet::contract
