#include "tests/contract/workflow_contract.hpp"

#include "tests/contract/contract_fixture.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <optional>
#include <string_view>
#include <utility>

namespace fleet::contract {

namespace {

using boost::json::array;
using boost::json::object;

const std::string kWorkflows = "/api/v1/workflows";

bool has_text(const object& holder, std::string_view key, std::string_view text) {
    const auto* value = holder.if_contains(key);
    return value && value->is_string() && value->get_string() == text;
}

// The step called `name` in a GET answer, or null.
const object* step_of(const Answer& answer, const std::string& name) {
    const auto* data = answer.object().if_contains("data");
    if (!data || !data->is_object()) return nullptr;
    const auto* steps = data->get_object().if_contains("steps");
    if (!steps || !steps->is_array()) return nullptr;
    for (const auto& step : steps->get_array())
        if (step.is_object() && has_text(step.get_object(), "name", name)) return &step.get_object();
    return nullptr;
}

bool step_is(const Answer& answer, const std::string& name, std::string_view status) {
    const auto* step = step_of(answer, name);
    return step && has_text(*step, "status", status);
}

Answer wait_for_step(ContractSession& api, const std::string& workflow_path, const std::string& name,
                     std::string_view status) {
    return api.poll_until(workflow_path, [&](const Answer& a) { return step_is(a, name, status); });
}

// A signal with an Idempotency-Key header.
Answer keyed_signal(ContractSession& api, const std::string& target, const std::string& body, const std::string& key) {
    return api.record(Exchange{"POST", target, true,
                               raw_exchange(api.port(), with_header(http_request("POST", target, body, kToken),
                                                                    "Idempotency-Key: " + key))});
}

// Definitions the backend refuses: 400 for types and unknown fields, 422 for the graph.
void refused_definitions(ContractSession& api, const object& good) {
    api.expect(400, "POST", kWorkflows, std::string("{not json"));
    api.expect(400, "POST", kWorkflows, with_field(good, "colour", "blue"));
    api.expect(400, "POST", kWorkflows, with_field(good, "name", 5));
    api.expect(400, "POST", kWorkflows, with_field(good, "steps", "all of them"));
    const array cycle{object{{"name", "a"}, {"signal", "go"}, {"depends_on", array{"b"}}},
                      object{{"name", "b"}, {"signal", "go"}, {"depends_on", array{"a"}}}};
    const auto cyclic = api.expect(422, "POST", kWorkflows, with_field(good, "steps", cycle));
    CHECK(!cyclic.text("step").empty());
    const array unknown{object{{"name", "a"}, {"signal", "go"}, {"depends_on", array{"nobody"}}}};
    CHECK(api.expect(422, "POST", kWorkflows, with_field(good, "steps", unknown)).text("step") == "a");
    const array both{object{{"name", "a"}, {"signal", "go"}, {"domain", "echo"}}};
    CHECK(api.expect(422, "POST", kWorkflows, with_field(good, "steps", both)).text("step") == "a");
    api.expect(422, "POST", kWorkflows, with_field(good, "steps", array{}));
}

// Ids no workflow has, and ids that are not plain.
void unknown_workflows(ContractSession& api) {
    const std::string nobody = kWorkflows + "/wf_000000000000";
    api.expect(404, "GET", nobody);
    api.expect(404, "POST", nobody + "/signals/approve", std::string("{}"));
    for (const char* action : {"/pause", "/resume", "/cancel", "/recover"}) api.expect(404, "POST", nobody + action);
    const std::string crooked = kWorkflows + "/not%20plain";
    api.expect(400, "GET", crooked);
    api.expect(400, "POST", crooked + "/signals/approve", std::string("{}"));
    for (const char* action : {"/pause", "/resume", "/cancel", "/recover"}) api.expect(400, "POST", crooked + action);
}

// A workflow of one step in a domain nobody serves fails; recovering it fails
// again, until its one recovery attempt is spent.
void failing_workflow(ContractSession& api) {
    const object definition{{"name", "contract-failing"},
                            {"max_recovery_attempts", 1},
                            {"steps", array{object{{"name", "lost"}, {"domain", "nowhere"}}}}};
    const auto submitted = api.expect(201, "POST", kWorkflows, body_of(definition));
    const std::string path = kWorkflows + "/" + submitted.text("workflow_id");
    auto failed = [](const Answer& a) { return a.text("status") == "failed"; };
    api.poll_until(path, failed);
    api.expect(200, "GET", kWorkflows + "?status=failed&name=contract-failing");
    api.expect(409, "POST", path + "/pause");
    api.expect(409, "POST", path + "/resume");
    api.expect(409, "POST", path + "/cancel");
    api.expect(409, "POST", path + "/signals/approve", std::string("{}"));
    api.expect(422, "POST", path + "/recover", body_of(object{{"from_step", "nobody"}}));
    api.expect(400, "POST", path + "/recover", body_of(object{{"from_step", 7}}));
    const auto recovered = api.expect(200, "POST", path + "/recover", body_of(object{{"from_step", "lost"}}));
    CHECK(recovered.text("status") == "recovering");
    api.poll_until(path, failed);
    api.expect(409, "POST", path + "/recover");  // no recovery attempts left
}

}  // namespace

void exercise_workflows(ContractSession& api, const std::string& scripted_domain) {
    // A signal step, then a step on the scripted worker.
    const object definition{
        {"name", "contract-approve-then-run"},
        {"inputs", object{{"note", "contract"}}},
        {"timeout_seconds", 3600},
        {"max_recovery_attempts", 3},
        {"steps", array{object{{"name", "approve"}, {"signal", "approve"}, {"timeout_seconds", 600}},
                        object{{"name", "run"},
                               {"domain", scripted_domain},
                               {"depends_on", array{"approve"}},
                               {"parameters", object{{"note", "${inputs.note}"}, {"approved_by", "${steps.approve.result.by}"}}},
                               {"max_retries", 0},
                               {"retry_initial_seconds", 1},
                               {"retry_max_seconds", 60},
                               {"timeout_seconds", 600},
                               {"priority", 1},
                               {"requirements", object{{"cores", 1}}},
                               {"idempotent", true}}}}};
    refused_definitions(api, definition);
    unknown_workflows(api);

    const auto submitted = api.expect(201, "POST", kWorkflows, body_of(definition));
    const std::string workflow_id = submitted.text("workflow_id");
    const std::string path = kWorkflows + "/" + workflow_id;
    REQUIRE(!workflow_id.empty());
    wait_for_step(api, path, "approve", "waiting");
    const std::pair<int, const char*> lists[] = {
        {200, ""},
        {200, "?status=running&name=contract-approve-then-run&schedule_id=&limit=5&offset=0"},
        {200, "?schedule_id=sch_none"},
        {400, "?status=bogus"},
        {400, "?limit=5000"},
        {400, "?offset=-1"}};
    for (const auto& [status, query] : lists) api.expect(status, "GET", kWorkflows + query);
    api.expect(409, "POST", path + "/resume");   // not paused
    api.expect(409, "POST", path + "/recover");  // not failed or cancelled

    // The approval, twice under one key: delivered once.
    api.expect(404, "POST", path + "/signals/nobody-waits", std::string("{}"));
    const std::string approval = body_of(object{{"by", "contract"}});
    const auto approved = keyed_signal(api, path + "/signals/approve", approval, "contract-approval");
    CHECK(approved.status() == 200);
    CHECK(approved.object().at("delivered") == true);
    const auto repeated = keyed_signal(api, path + "/signals/approve", approval, "contract-approval");
    CHECK(repeated.status() == 200);
    CHECK(repeated.raw.header("Idempotent-Replayed") == std::optional<std::string>("true"));
    api.expect(400, "POST", path + "/signals/approve", std::string("{not json"));
    const auto running = wait_for_step(api, path, "run", "running");
    const auto* run = step_of(running, "run");
    REQUIRE(run);
    REQUIRE(run->at("operation_id").is_string());
    const std::string operation_path = "/api/v1/operations/" + std::string(run->at("operation_id").get_string());
    const auto operation = api.expect(200, "GET", operation_path);
    CHECK(operation.text("workflow_id") == workflow_id);
    CHECK(operation.text("step") == "run");
    // The templates, resolved when the attempt started.
    CHECK(operation.object().at("data").at("metadata") == object{{"note", "contract"}, {"approved_by", "contract"}});
    api.expect(200, "GET", "/api/v1/operations?limit=5");

    // Pause, resume, cancel, recover; each refused where the status does not allow it.
    CHECK(api.expect(200, "POST", path + "/pause").text("status") == "paused");
    api.expect(409, "POST", path + "/pause");
    CHECK(api.expect(200, "POST", path + "/resume").text("status") == "running");
    CHECK(api.expect(200, "POST", path + "/cancel").text("status") == "cancelled");
    api.expect(409, "POST", path + "/cancel");
    api.expect(409, "POST", path + "/signals/approve", approval);  // ended
    api.wait_for_status(operation_path, "cancelled");

    // The run step runs again; the approval upstream keeps its result. A 409 is
    // allowed while the cancelled attempt is still being taken in.
    Answer recovered;
    fleet::test::eventually([&] {
        recovered = api.call("POST", path + "/recover");
        return recovered.status() != 409;
    });
    REQUIRE(recovered.status() == 200);
    CHECK(recovered.object().at("reset_steps") == array{"run"});
    const auto again = wait_for_step(api, path, "run", "running");
    CHECK(step_of(again, "approve")->at("result") == object{{"by", "contract"}});
    const std::string second_attempt = "/api/v1/operations/" + std::string(step_of(again, "run")->at("operation_id").as_string());
    CHECK(second_attempt != operation_path);
    // Cancelled again, so that the scripted worker is free for what follows.
    api.expect(200, "POST", path + "/cancel");
    api.wait_for_status(second_attempt, "cancelled");

    failing_workflow(api);
}

}  // namespace fleet::contract
