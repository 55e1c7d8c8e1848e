// Workflows (DAGs of operations run by the backend) against the real
// fleet-backend and echo fleet-workers, as a user with curl sees them:
// proto_docs/workflows.md is what they check.
#include "common/json/time.hpp"
#include "tests/integration/workflow_client.hpp"

#include <algorithm>
#include <csignal>
#include <map>
#include <memory>
#include <set>
#include <thread>

using namespace fleet;
using namespace fleet::test;
using boost::json::array;
using boost::json::object;

namespace {

object signal_step(const std::string& name, const std::string& signal, const std::vector<std::string>& depends_on = {}) {
    auto step = echo_step(name, {}, depends_on);
    step.erase("domain");
    step.erase("parameters");
    step["signal"] = signal;
    return step;
}

// `step` with up to `max_retries` more attempts, the first after `initial_seconds`.
object retried(object step, int max_retries, double initial_seconds) {
    step["max_retries"] = max_retries;
    step["retry_initial_seconds"] = initial_seconds;
    return step;
}

std::string submit(BackendUnderTest& backend, const object& body) {
    const auto response = backend.post(kWorkflows, to_body(body));
    INFO("submit " << to_body(body) << " -> " << response.status << " " << response.body);
    auto answer = json_of(response);
    REQUIRE(response.status == 201);
    CHECK(answer.at("success") == true);
    CHECK(answer.at("status") == "running");
    const auto id = string_of(answer.at("workflow_id"));
    CHECK(id.starts_with("wf_"));
    return id;
}

object step_of(const object& workflow, const std::string& name) {
    for (const auto& step : workflow.at("steps").as_array())
        if (step.at("name") == boost::json::value(name)) return step.as_object();
    FAIL("no step " << name << " in " << workflow);
    return {};
}

std::string step_status(const object& workflow, const std::string& name) {
    return string_of(step_of(workflow, name).at("status"));
}

object wait_for_step(BackendUnderTest& backend, const std::string& id, const std::string& step,
                     const std::string& status, std::chrono::milliseconds timeout = kRunDeadline) {
    return wait_until(backend, id, "step " + step + " " + status,
                      [&](const object& w) { return step_status(w, step) == status; }, timeout);
}

// Waits until the workflow failed because of `step`, after `attempts` attempts: the step failed and the
// workflow's error names it. Returns the workflow.
object failed_by(BackendUnderTest& backend, const std::string& id, const std::string& step, int attempts) {
    const auto failed = wait_for_workflow(backend, id, "failed");
    const auto at_fault = step_of(failed, step);
    INFO(at_fault);
    CHECK(at_fault.at("status") == "failed");
    CHECK(at_fault.at("attempts") == attempts);
    CHECK(at_fault.at("operation_id") == boost::json::value(id + "." + step + ".a" + std::to_string(attempts)));
    CHECK(string_of(failed.at("error_message")).find(step) != std::string::npos);
    CHECK(failed.at("completed_at").is_string());
    return failed;
}

http::ClientResponse act(BackendUnderTest& backend, const std::string& id, const std::string& action,
                         const object& body = {}) {
    return backend.post(std::string(kWorkflows) + "/" + id + "/" + action, to_body(body));
}

// A control action that must be taken: 200, naming the workflow; returns the answer.
object act_ok(BackendUnderTest& backend, const std::string& id, const std::string& action, const object& body = {}) {
    const auto response = act(backend, id, action, body);
    INFO(action << " " << id << " -> " << response.status << " " << response.body);
    auto answer = json_of(response);
    REQUIRE(response.status == 200);
    CHECK(answer.at("success") == true);
    CHECK(answer.at("workflow_id") == boost::json::value(id));
    return answer;
}

// A recover that is taken: `recovering`, the attempt counted, exactly the `reset` steps to run again.
void recover_ok(BackendUnderTest& backend, const std::string& id, const object& body, int recovery_attempts,
                const std::set<std::string>& reset) {
    const auto answer = act_ok(backend, id, "recover", body);
    CHECK(answer.at("status") == "recovering");
    CHECK(answer.at("recovery_attempts") == recovery_attempts);
    std::set<std::string> names;
    for (const auto& name : answer.at("reset_steps").as_array()) names.insert(string_of(name));
    CHECK(names == reset);
}

http::ClientResponse send_signal(BackendUnderTest& backend, const std::string& id, const std::string& name,
                                 const object& body = {}, const std::string& key = {}) {
    return backend.post(std::string(kWorkflows) + "/" + id + "/signals/" + name, to_body(body), key);
}

object signal_ok(BackendUnderTest& backend, const std::string& id, const std::string& name, const object& body,
                 const std::string& key = {}) {
    const auto response = send_signal(backend, id, name, body, key);
    INFO("signal " << name << " to " << id << " -> " << response.status << " " << response.body);
    auto answer = json_of(response);
    REQUIRE(response.status == 200);
    CHECK(answer.at("success") == true);
    CHECK(answer.at("signal") == boost::json::value(name));
    return answer;
}

// A workflow whose one step (`long`, 20 s) keeps a worker busy: its id, once the step runs.
std::string occupy_worker(BackendUnderTest& backend) {
    const auto id = submit(backend, definition("busy", {echo_step("long", {{"duration_ms", 20'000}, {"steps", 200}})}));
    backend.wait_for_status(attempt_id(id, "long", 1), "running");
    return id;
}

}  // namespace

TEST_CASE("workflows: a bad definition is 400 or 422 naming the step, and nothing is stored", "[integration][workflows]") {
    BackendUnderTest backend;
    const array one{echo_step("a")};

    check_error(backend.post(kWorkflows, "{not json"), 400);
    check_error(backend.post(kWorkflows, "[1]"), 400);
    check_error(backend.post(kWorkflows, to_body(definition("", one, {{"name", 7}}))), 400, "name");
    check_error(backend.post(kWorkflows, to_body(object{{"name", "w"}, {"steps", "a,b"}})), 400, "steps");
    check_error(backend.post(kWorkflows, to_body(definition("w", one, {{"colour", "red"}}))), 400, "colour");
    auto bad_retries = echo_step("a");
    bad_retries["max_retries"] = "two";
    check_error(backend.post(kWorkflows, to_body(definition("w", {bad_retries}))), 400, "max_retries");
    auto bad_parameters = echo_step("a");
    bad_parameters["parameters"] = "x=1";
    check_error(backend.post(kWorkflows, to_body(definition("w", {bad_parameters}))), 400, "parameters");

    // A bad graph: 422 with "step" naming the step at fault.
    const auto invalid = [&](const object& body, const std::set<std::string>& steps) {
        const auto response = backend.post(kWorkflows, to_body(body));
        check_error(response, 422);
        const auto answer = json_of(response);
        INFO(response.body);
        if (!steps.empty()) {
            REQUIRE(answer.contains("step"));
            CHECK(steps.contains(string_of(answer.at("step"))));
            CHECK(string_of(answer.at("error")).find(string_of(answer.at("step"))) != std::string::npos);
        }
    };
    invalid(definition("cycle", {echo_step("a", {}, {"c"}), echo_step("b", {}, {"a"}), echo_step("c", {}, {"b"})}),
            {"a", "b", "c"});
    invalid(definition("self", {echo_step("a", {}, {"a"})}), {"a"});
    invalid(definition("unknown-dep", {echo_step("a"), echo_step("b", {}, {"nope"})}), {"b"});
    invalid(definition("duplicate", {echo_step("a"), echo_step("a")}), {"a"});
    invalid(definition("no-steps", {}), {});
    auto neither = echo_step("a");
    neither.erase("domain");
    invalid(definition("neither", {echo_step("z"), neither}), {"a"});
    auto both = signal_step("a", "go");
    both["domain"] = "echo";
    invalid(definition("both", {both}), {"a"});
    // A template may only name an ancestor, or an input that is there.
    invalid(definition("sibling", {echo_step("a"), echo_step("b", {{"x", "${steps.a.result.echo}"}}, {"a"}),
                                   echo_step("c", {{"y", "${steps.b.result.x}"}}, {"a"})}),
            {"c"});
    invalid(definition("input", {echo_step("a", {{"x", "${inputs.missing}"}})}, {{"inputs", {{"present", 1}}}}),
            {"a"});

    CHECK(total_workflows(backend) == 0);
    CHECK(json_of(backend.get("/api/v1/operations")).at("data").at("total") == 0);
    check_error(backend.get(std::string(kWorkflows) + "/wf_0123456789abcdef01234567"), 404);
}

TEST_CASE("workflows: a diamond runs its middle steps at the same time, on two workers", "[integration][workflows]") {
    BackendUnderTest backend;
    EchoFleet fleet(backend, 2, "wf-diamond");
    const auto id = submit(backend, definition("diamond", {echo_step("a", {{"duration_ms", 100}}),
                                                           echo_step("b", {{"duration_ms", 1500}}, {"a"}),
                                                           echo_step("c", {{"duration_ms", 1500}}, {"a"}),
                                                           echo_step("d", {{"duration_ms", 0}}, {"b", "c"})}));
    const auto done = wait_for_workflow(backend, id, "completed");
    CHECK(done.at("workflow_id") == boost::json::value(id));
    CHECK(done.at("name") == "diamond");
    CHECK(done.at("progress") == 100);
    CHECK(done.at("error_message").is_null());
    CHECK(done.at("completed_at").is_string());
    CHECK(done.at("recovery_attempts") == 0);
    for (const auto* name : {"a", "b", "c", "d"}) {
        const auto step = step_of(done, name);
        INFO(step);
        CHECK(step.at("status") == "completed");
        CHECK(step.at("kind") == "operation");
        CHECK(step.at("domain") == "echo");
        CHECK(step.at("attempts") == 1);
        CHECK(step.at("operation_id") == boost::json::value(attempt_id(id, name, 1)));
        CHECK(step.at("result").at("echo").is_object());
    }
    CHECK(step_of(done, "d").at("depends_on") == array{"b", "c"});

    // B and C overlap on their workers' own clocks, on two different workers.
    const auto b_id = attempt_id(id, "b", 1), c_id = attempt_id(id, "c", 1);
    CHECK(fleet.running(b_id).id() != fleet.running(c_id).id());
    const auto b = fleet.view(b_id), c = fleet.view(c_id);
    CHECK(b.at("status") == "completed");
    CHECK(c.at("status") == "completed");
    CHECK(time_of(b, "started_at") < time_of(c, "completed_at"));
    CHECK(time_of(c, "started_at") < time_of(b, "completed_at"));
    // D waits for both; A comes before both.
    const auto d = fleet.view(attempt_id(id, "d", 1));
    CHECK(time_of(d, "created_at") >= time_of(b, "completed_at"));
    CHECK(time_of(d, "created_at") >= time_of(c, "completed_at"));
    const auto a = fleet.view(attempt_id(id, "a", 1));
    CHECK(time_of(b, "created_at") >= time_of(a, "completed_at"));
    CHECK(time_of(step_of(done, "d"), "started_at") >= time_of(step_of(done, "b"), "completed_at"));

    // Each attempt is an operation of the backend too, carrying its workflow and step.
    for (const auto* name : {"a", "b", "c", "d"}) {
        const auto operation = backend.operation(attempt_id(id, name, 1));
        INFO(operation);
        CHECK(operation.at("workflow_id") == boost::json::value(id));
        CHECK(operation.at("step") == boost::json::value(name));
        CHECK(operation.at("status") == "completed");
        CHECK(operation.at("operation_type") == "echo");
    }
    // ... and in the list of operations.
    std::set<std::string> listed;
    const auto page = json_of(backend.get("/api/v1/operations?limit=100"));
    for (const auto& item : page.at("data").at("operations").as_array())
        if (item.as_object().contains("workflow_id") && item.at("workflow_id") == boost::json::value(id))
            listed.insert(string_of(item.at("step")));
    CHECK(listed == std::set<std::string>{"a", "b", "c", "d"});
}

TEST_CASE("workflows: templates hand inputs and earlier results to a step with their types", "[integration][workflows]") {
    BackendUnderTest backend;
    EchoFleet fleet(backend, 1, "wf-templates");
    const object inputs{{"n", 5}, {"label", "run"}, {"flags", {{"fast", true}}}};
    const auto id = submit(
        backend,
        definition("templates",
                   {echo_step("a", {{"count", "${inputs.n}"}, {"x", {{"k", array{1, 2}}, {"name", "kay"}}}}),
                    echo_step("b",
                              {{"from_a", "${steps.a.result.echo.count}"},
                               {"obj", "${steps.a.result.echo.x}"},
                               {"second", "${steps.a.result.echo.x.k.1}"},
                               {"flags", "${inputs.flags}"},
                               {"text", "${inputs.label}: n=${inputs.n} k=${steps.a.result.echo.x.k} ${steps.a.result.echo.x.name}"}},
                              {"a"})},
                   {{"inputs", inputs}}));
    const auto done = wait_for_workflow(backend, id, "completed");
    CHECK(done.at("inputs") == inputs);

    // What the worker was given, as its own view of the operation keeps it.
    const auto given = fleet.view(attempt_id(id, "b", 1)).at("metadata").as_object();
    INFO(given);
    CHECK(given.at("from_a") == 5);
    CHECK(given.at("from_a").is_int64());
    CHECK(given.at("obj") == object{{"k", array{1, 2}}, {"name", "kay"}});
    CHECK(given.at("second") == 2);
    CHECK(given.at("flags") == object{{"fast", true}});
    CHECK(given.at("text") == "run: n=5 k=[1,2] kay");
    CHECK(step_of(done, "b").at("result").at("echo").at("obj") == given.at("obj"));

    // A reference that leads nowhere at run time fails the step at once, retries or not.
    const auto broken = submit(backend, definition("templates-broken",
                                                   {echo_step("a"), echo_step("b", {{"v", "${steps.a.result.nothing.here}"}}, {"a"})}));
    const auto failed = wait_for_workflow(backend, broken, "failed");
    const auto b = step_of(failed, "b");
    INFO(b);
    CHECK(b.at("status") == "failed");
    CHECK(string_of(b.at("error_message")).find("steps.a.result.nothing.here") != std::string::npos);
    CHECK(string_of(failed.at("error_message")).find("b") != std::string::npos);
    CHECK(step_status(failed, "a") == "completed");
}

TEST_CASE("workflows: a step that keeps failing is retried with backoff, then fails the workflow naming it",
          "[integration][workflows]") {
    BackendUnderTest backend;
    EchoFleet fleet(backend, 1, "wf-retry");
    auto flaky = retried(echo_step("flaky", {{"fail_with", "boom"}}), 2, 0.3);
    const auto id = submit(backend, definition("retries", {flaky, echo_step("after", {}, {"flaky"})}));

    // Between attempts the step says when the next one starts.
    const auto retrying = wait_for_step(backend, id, "flaky", "retrying");
    const auto between = step_of(retrying, "flaky");
    INFO(between);
    CHECK(between.at("next_attempt_at").is_string());
    CHECK(string_of(between.at("error_message")).find("boom") != std::string::npos);

    const auto failed = failed_by(backend, id, "flaky", 3);
    CHECK(string_of(step_of(failed, "flaky").at("error_message")).find("boom") != std::string::npos);
    CHECK(step_status(failed, "after") == "skipped");

    // Attempt n+1 started 0.3 s x 2^(n-1) after attempt n failed (the backend's own times, ms apart).
    const auto first = backend.operation(attempt_id(id, "flaky", 1));
    const auto second = backend.operation(attempt_id(id, "flaky", 2));
    const auto third = backend.operation(attempt_id(id, "flaky", 3));
    for (const auto* attempt : {&first, &second, &third}) {
        CHECK(attempt->at("status") == "failed");
        CHECK(attempt->at("attempts").to_number<int>() <= 1);  // the dispatcher retries nothing itself
    }
    const auto tolerance = std::chrono::milliseconds(5);
    CHECK(time_of(second, "created_at") + tolerance >= time_of(first, "completed_at") + std::chrono::milliseconds(300));
    CHECK(time_of(third, "created_at") + tolerance >= time_of(second, "completed_at") + std::chrono::milliseconds(600));
    CHECK(time_of(between, "next_attempt_at") + tolerance >=
          time_of(first, "completed_at") + std::chrono::milliseconds(300));
    CHECK(backend.get("/api/v1/operations/" + attempt_id(id, "flaky", 4)).status == 404);
}

TEST_CASE("workflows: backoff doubles up to retry_max_seconds", "[integration][workflows]") {
    BackendUnderTest backend;
    EchoFleet fleet(backend, 1, "wf-backoff");
    auto flaky = retried(echo_step("flaky", {{"fail_with", "boom"}}), 3, 0.2);
    flaky["retry_max_seconds"] = 0.25;
    const auto id = submit(backend, definition("backoff", {flaky}));

    // Each due time the step shows while it waits, by the attempt it follows.
    std::map<int, std::string> due;
    REQUIRE(eventually([&] {
        const auto w = workflow(backend, id);
        const auto step = step_of(w, "flaky");
        if (step.at("status") == "retrying" && step.at("next_attempt_at").is_string())
            due[step.at("attempts").to_number<int>()] = string_of(step.at("next_attempt_at"));
        return w.at("status") == "failed";
    }, kRunDeadline));
    failed_by(backend, id, "flaky", 4);
    INFO("due times seen: " << due.size());
    // 0.2 s, then 0.4 s capped to 0.25 s, then 0.25 s, after each failed attempt: counted from when the
    // engine took the failure in, a little after the operation's end was stamped (a commit between).
    const std::map<int, int> expected_ms{{1, 200}, {2, 250}, {3, 250}};
    for (const auto& [attempt, ms] : expected_ms) {
        if (!due.contains(attempt)) continue;  // a wait too short to be seen
        const auto failed_at = time_of(backend.operation(attempt_id(id, "flaky", attempt)), "completed_at");
        const auto wait = *json::parse_iso8601(due.at(attempt)) - failed_at;
        INFO("after attempt " << attempt);
        CHECK(wait >= std::chrono::milliseconds(ms - 5));
        CHECK(wait <= std::chrono::milliseconds(ms + 100));
    }
    CHECK(due.size() >= 2);
}

TEST_CASE("workflows: an attempt lost with its worker is retried on another worker", "[integration][workflows]") {
    BackendUnderTest backend;
    EchoFleet fleet(backend, 2, "wf-lost");
    auto long_step = retried(echo_step("long", {{"duration_ms", 3000}, {"steps", 30}}), 1, 0.1);
    const auto id = submit(backend, definition("lost", {long_step, echo_step("next", {}, {"long"})}));
    const auto first = attempt_id(id, "long", 1);
    backend.wait_for_status(first, "running");
    auto& victim = fleet.running(first);
    const auto victim_id = victim.id();

    victim.process().signal(SIGKILL);
    REQUIRE(victim.process().wait(std::chrono::seconds(5)).has_value());
    const auto done = wait_for_workflow(backend, id, "completed");
    const auto step = step_of(done, "long");
    INFO(step);
    CHECK(step.at("attempts") == 2);
    CHECK(step.at("operation_id") == boost::json::value(attempt_id(id, "long", 2)));
    CHECK(step.at("error_message").is_null());
    CHECK(backend.operation_status(first) == "failed");
    const auto second = backend.operation(attempt_id(id, "long", 2));
    CHECK(second.at("worker_id") != boost::json::value(victim_id));
    CHECK(second.at("status") == "completed");
    CHECK(step_status(done, "next") == "completed");
}

TEST_CASE("workflows: a non-idempotent step lost with its worker waits for a person; recover finishes it",
          "[integration][workflows]") {
    BackendUnderTest backend;
    EchoFleet fleet(backend, 2, "wf-once");
    auto once = echo_step("once", {{"duration_ms", 3000}, {"steps", 30}});
    once["idempotent"] = false;
    once["max_retries"] = 3;
    const auto id = submit(backend, definition("once", {once, echo_step("next", {}, {"once"})}));
    const auto first = attempt_id(id, "once", 1);
    backend.wait_for_status(first, "running");
    auto& victim = fleet.running(first);
    victim.process().signal(SIGKILL);
    REQUIRE(victim.process().wait(std::chrono::seconds(5)).has_value());

    // Retries left, but never after an ambiguous loss.
    const auto failed = failed_by(backend, id, "once", 1);
    const auto error = string_of(step_of(failed, "once").at("error_message"));
    INFO(error);
    CHECK((error.find("person") != std::string::npos || error.find("recover") != std::string::npos));
    CHECK(step_status(failed, "next") == "skipped");
    CHECK(backend.get("/api/v1/operations/" + attempt_id(id, "once", 2)).status == 404);

    recover_ok(backend, id, {}, 1, {"once", "next"});
    const auto done = wait_for_workflow(backend, id, "completed");
    CHECK(done.at("recovery_attempts") == 1);
    CHECK(step_of(done, "once").at("operation_id") == boost::json::value(attempt_id(id, "once", 2)));
    CHECK(step_of(done, "once").at("attempts") == 2);
    CHECK(step_status(done, "next") == "completed");
}

TEST_CASE("workflows: an attempt past its timeout is cancelled on its worker before the retry starts",
          "[integration][workflows]") {
    BackendUnderTest backend;
    // Two slots: the worker could take the retry while the first attempt still ran.
    EchoFleet fleet(backend, 1, "wf-timeout", {"--max-concurrent", "2"});
    auto slow = retried(echo_step("slow", {{"duration_ms", 20'000}, {"steps", 200}}), 1, 0.1);
    slow["timeout_seconds"] = 0.3;
    const auto id = submit(backend, definition("timeout", {slow}));

    const auto failed = failed_by(backend, id, "slow", 2);
    CHECK(string_of(step_of(failed, "slow").at("error_message")).find("timed out") != std::string::npos);

    auto& worker = fleet.at(0);
    const auto first = worker_view(worker, attempt_id(id, "slow", 1));
    const auto second = worker_view(worker, attempt_id(id, "slow", 2));
    CHECK(first.at("status") == "cancelled");
    CHECK(second.at("status") == "cancelled");
    // Two attempts of a step never run at once: the retry reached the worker after the first had stopped.
    CHECK(time_of(second, "created_at") >= time_of(first, "completed_at"));
}

TEST_CASE("workflows: the workflow's own timeout bounds the whole run", "[integration][workflows]") {
    BackendUnderTest backend;
    EchoFleet fleet(backend, 1, "wf-deadline");
    const auto id = submit(backend, definition("deadline", {echo_step("slow", {{"duration_ms", 20'000}, {"steps", 200}})},
                                               {{"timeout_seconds", 0.5}}));
    const auto failed = wait_for_workflow(backend, id, "failed");
    INFO(failed);
    CHECK(string_of(failed.at("error_message")).find("timed out") != std::string::npos);
    REQUIRE(eventually([&] { return worker_view(fleet.at(0), attempt_id(id, "slow", 1)).at("status") == "cancelled"; }));
}

TEST_CASE("workflows: signals before and after their step waits, once per Idempotency-Key, 404 and 409",
          "[integration][workflows]") {
    BackendUnderTest backend;
    EchoFleet fleet(backend, 1, "wf-signals");
    const auto id = submit(backend,
                           definition("signals", {echo_step("prep", {{"duration_ms", 1500}, {"steps", 15}}),
                                                  signal_step("approve", "approve", {"prep"}),
                                                  echo_step("go", {{"who", "${steps.approve.result.by}"}}, {"approve"}),
                                                  signal_step("confirm1", "confirm", {"go"}),
                                                  signal_step("confirm2", "confirm", {"confirm1"})}));

    // Before its step waits: stored, and delivered when it does.
    const auto early = signal_ok(backend, id, "approve", {{"by", "ann"}}, "approve-1");
    CHECK(early.at("delivered") == false);
    CHECK(early.at("workflow_id") == boost::json::value(id));
    CHECK(signal_ok(backend, id, "approve", {{"by", "ann"}}, "approve-1").at("delivered") == false);
    check_error(send_signal(backend, id, "nobody-waits-for-this"), 404);
    check_error(send_signal(backend, "wf_0123456789abcdef01234567", "approve"), 404);

    auto waiting = wait_for_step(backend, id, "confirm1", "waiting");
    const auto approve = step_of(waiting, "approve");
    CHECK(approve.at("kind") == "signal");
    CHECK(approve.at("status") == "completed");
    CHECK(approve.at("result") == object{{"by", "ann"}});
    CHECK(fleet.view(attempt_id(id, "go", 1)).at("metadata").at("who") == "ann");
    CHECK(step_status(waiting, "confirm2") == "pending");

    // While it waits: delivered at once, to the first step waiting for that name.
    const auto confirmed = signal_ok(backend, id, "confirm", {{"ok", true}}, "confirm-1");
    CHECK(confirmed.at("delivered") == true);
    CHECK(confirmed.at("step") == "confirm1");
    waiting = wait_for_step(backend, id, "confirm2", "waiting");
    CHECK(step_of(waiting, "confirm1").at("result") == object{{"ok", true}});
    // The same key again is answered like the first and delivers nothing more.
    const auto again = signal_ok(backend, id, "confirm", {{"ok", true}}, "confirm-1");
    CHECK(again.at("delivered") == true);
    CHECK(again.at("step") == "confirm1");
    CHECK(step_status(workflow(backend, id), "confirm2") == "waiting");

    const auto last = signal_ok(backend, id, "confirm", {{"ok", "twice"}}, "confirm-2");
    CHECK(last.at("delivered") == true);
    CHECK(last.at("step") == "confirm2");
    const auto done = wait_for_workflow(backend, id, "completed");
    CHECK(step_of(done, "confirm2").at("result") == object{{"ok", "twice"}});
    check_error(send_signal(backend, id, "confirm", {}, "confirm-3"), 409, "ended");
    // A repeat is answered as the first was, even once the workflow has ended.
    CHECK(signal_ok(backend, id, "confirm", {{"ok", "twice"}}, "confirm-2").at("step") == "confirm2");
    CHECK(step_of(workflow(backend, id), "confirm2").at("result") == object{{"ok", "twice"}});
}

TEST_CASE("workflows: a step no worker can take is queued, and a domain nobody serves fails its attempts",
          "[integration][workflows]") {
    BackendUnderTest backend;
    EchoFleet fleet(backend, 1, "wf-queued");
    const auto busy = occupy_worker(backend);
    const auto waiting = submit(backend, definition("waiting", {echo_step("next")}));
    const auto queued = wait_for_step(backend, waiting, "next", "queued");
    CHECK(queued.at("status") == "running");
    CHECK(backend.operation_status(attempt_id(waiting, "next", 1)) == "queued");
    act_ok(backend, busy, "cancel");
    wait_for_workflow(backend, waiting, "completed");

    auto nowhere = retried(echo_step("nowhere"), 1, 0.1);
    nowhere["domain"] = "no-such-domain";
    const auto id = submit(backend, definition("nowhere", {nowhere}));
    failed_by(backend, id, "nowhere", 2);
}

TEST_CASE("workflows: a signal step past its timeout fails the workflow", "[integration][workflows]") {
    BackendUnderTest backend;
    auto wait = signal_step("approve", "approve");
    wait["timeout_seconds"] = 0.3;
    const auto id = submit(backend, definition("signal-timeout", {wait}));
    const auto failed = wait_for_workflow(backend, id, "failed");
    CHECK(step_status(failed, "approve") == "failed");
    CHECK(string_of(failed.at("error_message")).find("approve") != std::string::npos);
    check_error(send_signal(backend, id, "approve"), 409);
}

TEST_CASE("workflows: pause holds back new steps while the running one finishes; resume goes on",
          "[integration][workflows]") {
    BackendUnderTest backend;
    EchoFleet fleet(backend, 1, "wf-pause");
    const auto id = submit(backend, definition("pause", {echo_step("a", {{"duration_ms", 1500}, {"steps", 15}}),
                                                        echo_step("b", {{"duration_ms", 0}}, {"a"})}));
    backend.wait_for_status(attempt_id(id, "a", 1), "running");
    CHECK(act_ok(backend, id, "pause").at("status") == "paused");
    check_error(act(backend, id, "pause"), 409);

    // The running step ends on its own; nothing new starts.
    const auto paused = wait_for_step(backend, id, "a", "completed");
    CHECK(paused.at("status") == "paused");
    CHECK(paused.at("progress") == 50);  // one step of two
    CHECK(stays([&] {
        const auto w = workflow(backend, id);
        return w.at("status") == "paused" && step_status(w, "b") == "pending";
    }, std::chrono::milliseconds(800)));
    CHECK(backend.get("/api/v1/operations/" + attempt_id(id, "b", 1)).status == 404);

    const auto resumed_at = std::chrono::system_clock::now();
    CHECK(act_ok(backend, id, "resume").at("status") == "running");
    check_error(act(backend, id, "resume"), 409);
    const auto done = wait_for_workflow(backend, id, "completed");
    CHECK(time_of(step_of(done, "b"), "started_at") + std::chrono::milliseconds(5) >= resumed_at);
    check_error(act(backend, id, "pause"), 409);
    check_error(act(backend, id, "resume"), 409);
}

TEST_CASE("workflows: a retry that falls due while paused waits for resume", "[integration][workflows]") {
    BackendUnderTest backend;
    EchoFleet fleet(backend, 1, "wf-pause-retry");
    auto flaky = retried(echo_step("flaky", {{"fail_with", "boom"}}), 1, 0.3);
    const auto id = submit(backend, definition("pause-retry", {flaky}));
    wait_for_step(backend, id, "flaky", "retrying");
    act_ok(backend, id, "pause");
    // Well past the due time: still one attempt.
    CHECK(stays([&] {
        const auto w = workflow(backend, id);
        return w.at("status") == "paused" && step_of(w, "flaky").at("attempts") == 1;
    }, std::chrono::milliseconds(1000)));
    CHECK(backend.get("/api/v1/operations/" + attempt_id(id, "flaky", 2)).status == 404);
    act_ok(backend, id, "resume");
    failed_by(backend, id, "flaky", 2);
}

TEST_CASE("workflows: a step's timeout counts its time queued; the queued attempt never reaches a worker",
          "[integration][workflows]") {
    BackendUnderTest backend;
    EchoFleet fleet(backend, 1, "wf-queued-timeout");
    const auto busy = occupy_worker(backend);
    auto hurried = echo_step("hurried");
    hurried["timeout_seconds"] = 0.3;
    const auto id = submit(backend, definition("hurried", {hurried}));
    const auto failed = wait_for_workflow(backend, id, "failed");
    const auto step = step_of(failed, "hurried");
    INFO(step);
    CHECK(string_of(step.at("error_message")).find("timed out") != std::string::npos);
    const auto operation = attempt_id(id, "hurried", 1);
    CHECK(backend.operation_status(operation) == "cancelled");
    act_ok(backend, busy, "cancel");
    REQUIRE(eventually([&] { return worker_view(fleet.at(0), attempt_id(busy, "long", 1)).at("status") == "cancelled"; }));
    CHECK_FALSE(runs_on(fleet.all()).contains(operation));
}

TEST_CASE("workflows: progress counts the running attempt's own percentage", "[integration][workflows]") {
    BackendUnderTest backend;
    EchoFleet fleet(backend, 1, "wf-progress");
    const auto id = submit(backend, definition("progress", {echo_step("a", {{"duration_ms", 4000}, {"steps", 40}}),
                                                           echo_step("b", {}, {"a"})}));
    backend.wait_for_status(attempt_id(id, "a", 1), "running");
    // Half of the running step's percentage, with two steps; only the workflow is read.
    wait_until(
        backend, id, "progress from the running step",
        [](const object& w) { return w.at("status") == "running" && w.at("progress").to_number<int>() > 0; },
        std::chrono::seconds(3));
    CHECK(wait_for_workflow(backend, id, "completed").at("progress") == 100);
}

TEST_CASE("workflows: cancel stops the running operation on its worker and ends every step",
          "[integration][workflows]") {
    BackendUnderTest backend;
    EchoFleet fleet(backend, 1, "wf-cancel");
    const auto id = submit(backend, definition("cancel", {echo_step("a", {{"duration_ms", 20'000}, {"steps", 200}}),
                                                         echo_step("b", {}, {"a"})}));
    const auto first = attempt_id(id, "a", 1);
    backend.wait_for_status(first, "running");

    CHECK(act_ok(backend, id, "cancel").at("status") == "cancelled");
    REQUIRE(eventually([&] { return worker_view(fleet.at(0), first).at("status") == "cancelled"; }));
    const auto cancelled = wait_until(backend, id, "every step cancelled", [](const object& w) {
        return step_status(w, "a") == "cancelled" && step_status(w, "b") == "cancelled";
    });
    CHECK(cancelled.at("status") == "cancelled");
    CHECK(cancelled.at("completed_at").is_string());
    for (const auto* action : {"cancel", "pause", "resume"}) check_error(act(backend, id, action), 409);
    check_error(act(backend, "wf_0123456789abcdef01234567", "cancel"), 404);

    // A cancelled workflow can be recovered: from its first step not completed.
    recover_ok(backend, id, {}, 1, {"a", "b"});
    backend.wait_for_status(attempt_id(id, "a", 2), "running");
    act_ok(backend, id, "cancel");
    REQUIRE(eventually([&] { return worker_view(fleet.at(0), attempt_id(id, "a", 2)).at("status") == "cancelled"; }));
}

TEST_CASE("workflows: recover from the failed step keeps upstream results; from a named step reruns it; then 409",
          "[integration][workflows]") {
    BackendUnderTest backend;
    EchoFleet fleet(backend, 1, "wf-recover");
    const auto id = submit(backend, definition("recover", {echo_step("a", {{"value", 1}}),
                                                          echo_step("b", {{"fail_with", "bad input"}}, {"a"}),
                                                          echo_step("c", {}, {"b"})},
                                               {{"max_recovery_attempts", 2}}));
    auto failed = wait_for_workflow(backend, id, "failed");
    CHECK(step_status(failed, "a") == "completed");
    CHECK(step_status(failed, "b") == "failed");
    CHECK(step_status(failed, "c") == "skipped");
    CHECK(failed.at("max_recovery_attempts") == 2);
    check_error(act(backend, id, "recover", {{"from_step", "nope"}}), 422, "nope");
    check_error(act(backend, id, "pause"), 409);

    // From the step that failed (the default): b and c again, a kept as it was.
    recover_ok(backend, id, {}, 1, {"b", "c"});
    failed = wait_until(backend, id, "failed again after a recovery", [](const object& w) {
        return w.at("status") == "failed" && w.at("recovery_attempts") == 1;
    });
    CHECK(step_of(failed, "a").at("attempts") == 1);
    CHECK(step_of(failed, "a").at("operation_id") == boost::json::value(attempt_id(id, "a", 1)));
    CHECK(step_of(failed, "a").at("result").at("echo").at("value") == 1);
    CHECK(step_of(failed, "b").at("operation_id") == boost::json::value(attempt_id(id, "b", 2)));
    CHECK(step_of(failed, "b").at("attempts") == 2);

    // From a named step upstream: it runs again too.
    recover_ok(backend, id, {{"from_step", "a"}}, 2, {"a", "b", "c"});
    failed = wait_until(backend, id, "failed after the second recovery", [](const object& w) {
        return w.at("status") == "failed" && w.at("recovery_attempts") == 2;
    });
    CHECK(step_of(failed, "a").at("operation_id") == boost::json::value(attempt_id(id, "a", 2)));
    CHECK(step_of(failed, "b").at("operation_id") == boost::json::value(attempt_id(id, "b", 3)));
    const auto runs = runs_on(fleet.all());
    CHECK(runs.at(attempt_id(id, "a", 1)) == 1);
    CHECK(runs.at(attempt_id(id, "a", 2)) == 1);
    CHECK_FALSE(runs.contains(attempt_id(id, "c", 1)));

    // No recovery attempts left.
    check_error(act(backend, id, "recover"), 409);
    CHECK(workflow(backend, id).at("status") == "failed");
}

TEST_CASE("workflows: listed newest first, filtered by status and name, paged", "[integration][workflows]") {
    BackendUnderTest backend;
    EchoFleet fleet(backend, 1, "wf-list");
    std::vector<std::string> ids;
    // One after the other: created_at has whole milliseconds, and workflows created in the same one have no order.
    for (int i = 0; i < 3; ++i) {
        ids.push_back(submit(backend, definition("list-a", {echo_step("a")})));
        wait_for_workflow(backend, ids.back(), "completed");
    }
    const auto failing = submit(backend, definition("list-b", {echo_step("a", {{"fail_with", "no"}})}));
    wait_for_workflow(backend, failing, "failed");

    const auto all = list_workflows(backend);
    CHECK(all.at("total") == 4);
    CHECK(all.at("limit") == 100);
    CHECK(all.at("offset") == 0);
    const auto& items = all.at("workflows").as_array();
    REQUIRE(items.size() == 4);
    CHECK(items[0].at("workflow_id") == boost::json::value(failing));  // newest first
    CHECK(items[3].at("workflow_id") == boost::json::value(ids[0]));
    for (const auto& item : items) {
        CHECK_FALSE(item.as_object().contains("steps"));
        CHECK_FALSE(item.as_object().contains("inputs"));
        CHECK(item.at("status").is_string());
        CHECK(item.at("progress").is_number());
    }
    CHECK(total_workflows(backend, "?name=list-a") == 3);
    CHECK(total_workflows(backend, "?name=list-b") == 1);
    CHECK(total_workflows(backend, "?status=completed") == 3);
    CHECK(total_workflows(backend, "?status=running") == 0);
    const auto failed = list_workflows(backend, "?status=failed&name=list-b");
    CHECK(failed.at("total") == 1);
    CHECK(failed.at("workflows").at(0).at("workflow_id") == boost::json::value(failing));
    CHECK(total_workflows(backend, "?status=failed&name=list-a") == 0);
    CHECK(total_workflows(backend, "?name=nothing-like-it") == 0);

    const auto page1 = list_workflows(backend, "?name=list-a&limit=2");
    const auto page2 = list_workflows(backend, "?name=list-a&limit=2&offset=2");
    CHECK(page1.at("total") == 3);
    CHECK(page1.at("limit") == 2);
    CHECK(page2.at("offset") == 2);
    REQUIRE(page1.at("workflows").as_array().size() == 2);
    REQUIRE(page2.at("workflows").as_array().size() == 1);
    std::set<std::string> seen;
    for (const auto* page : {&page1, &page2})
        for (const auto& item : page->at("workflows").as_array()) seen.insert(string_of(item.at("workflow_id")));
    CHECK(seen == std::set<std::string>(ids.begin(), ids.end()));
    CHECK(list_workflows(backend, "?offset=10").at("workflows").as_array().empty());
}

TEST_CASE("kill -9 of the backend with workflows in flight: all complete, every attempt ran once",
          "[integration][workflows-faults]") {
    BackendUnderTest backend({}, free_loopback_port());
    EchoFleet fleet(backend, 2, "wf-kill", {"--max-concurrent", "4", "--history", "100000"});
    constexpr int kWorkflowCount = 20;
    std::vector<std::string> ids;
    for (int i = 0; i < kWorkflowCount; ++i)
        ids.push_back(submit(backend, definition("kill-" + std::to_string(i),
                                                 {echo_step("one", {{"duration_ms", 200}, {"steps", 2}, {"i", i}}),
                                                  echo_step("two", {{"duration_ms", 200}, {"steps", 2}, {"i", "${steps.one.result.echo.i}"}},
                                                            {"one"})})));
    // Some mid-step when the backend dies, and some steps already done.
    REQUIRE(eventually([&] { return backend.count_operations("running") > 0 && backend.count_operations("completed") > 0; }));
    backend.restart();
    INFO("backend output after restart:\n" << backend.process().output());

    for (const auto& id : ids) wait_for_workflow(backend, id, "completed", std::chrono::seconds(60));
    const auto runs = runs_on(fleet.all());
    for (int i = 0; i < kWorkflowCount; ++i) {
        const auto& id = ids[static_cast<std::size_t>(i)];
        const auto done = workflow(backend, id);
        for (const auto* step : {"one", "two"}) {
            INFO("workflow " << id << " step " << step << ": " << step_of(done, step));
            CHECK(step_of(done, step).at("attempts") == 1);
            const auto it = runs.find(attempt_id(id, step, 1));
            CHECK((it != runs.end() && it->second == 1));
            CHECK_FALSE(runs.contains(attempt_id(id, step, 2)));
        }
        CHECK(step_of(done, "two").at("result").at("echo").at("i") == i);
    }
}

TEST_CASE("kill -9 of the backend keeps backoff due times and buffered signals", "[integration][workflows-faults]") {
    BackendUnderTest backend({}, free_loopback_port());
    EchoFleet fleet(backend, 1, "wf-timers");
    auto flaky = retried(echo_step("flaky", {{"fail_with", "boom"}}), 1, 2);
    const auto backing_off = submit(backend, definition("timers", {flaky}));
    const auto signalled = submit(backend, definition("buffered", {echo_step("prep", {{"duration_ms", 1000}, {"steps", 10}}),
                                                                   signal_step("approve", "approve", {"prep"})}));
    CHECK(signal_ok(backend, signalled, "approve", {{"by", "bob"}}, "before-kill").at("delivered") == false);
    const auto due = step_of(wait_for_step(backend, backing_off, "flaky", "retrying"), "flaky").at("next_attempt_at");
    REQUIRE(due.is_string());

    backend.restart();
    INFO("backend output after restart:\n" << backend.process().output());

    const auto after = workflow(backend, backing_off);
    if (step_status(after, "flaky") == "retrying") CHECK(step_of(after, "flaky").at("next_attempt_at") == due);
    failed_by(backend, backing_off, "flaky", 2);
    const auto second = backend.operation(attempt_id(backing_off, "flaky", 2));
    CHECK(time_of(second, "created_at") + std::chrono::milliseconds(5) >= *json::parse_iso8601(due.get_string()));

    const auto done = wait_for_workflow(backend, signalled, "completed");
    CHECK(step_of(done, "approve").at("result") == object{{"by", "bob"}});
}

TEST_CASE("kill -9 of the backend keeps a step's timeout due time", "[integration][workflows-faults]") {
    BackendUnderTest backend({}, free_loopback_port());
    EchoFleet fleet(backend, 1, "wf-deadline-kept");
    auto slow = echo_step("slow", {{"duration_ms", 20'000}, {"steps", 200}});
    slow["timeout_seconds"] = 2;
    const auto id = submit(backend, definition("deadline-kept", {slow}));
    const auto attempt = attempt_id(id, "slow", 1);
    backend.wait_for_status(attempt, "running");

    // Down for longer than the timeout: it falls due meanwhile, and fires when the backend is back.
    backend.kill9();
    std::this_thread::sleep_for(std::chrono::seconds(3));
    backend.start_again();
    INFO("backend output after restart:\n" << backend.process().output());

    failed_by(backend, id, "slow", 1);
    REQUIRE(eventually([&] { return worker_view(fleet.at(0), attempt).at("status") == "cancelled"; }));
    const auto view = worker_view(fleet.at(0), attempt);
    // Timed from the attempt's start, not again from the restart (that would be 5 s and more).
    CHECK(time_of(view, "completed_at") - time_of(view, "created_at") < std::chrono::milliseconds(4500));
}

TEST_CASE("a worker that dies while the backend is down: an idempotent step runs again elsewhere, "
          "a non-idempotent one waits for a person", "[integration][workflows-faults]") {
    BackendUnderTest backend({}, free_loopback_port());
    auto doomed = std::make_unique<BackendWorker>(backend, "echo", "wf-doomed", std::vector<std::string>{"--max-concurrent", "2"});
    const auto long_echo = object{{"duration_ms", 5000}, {"steps", 50}};
    const auto safe = submit(backend, definition("safe", {retried(echo_step("work", long_echo), 1, 0.1)}));
    auto once = retried(echo_step("work", long_echo), 1, 0.1);
    once["idempotent"] = false;
    const auto unsafe = submit(backend, definition("unsafe", {once}));
    for (const auto& id : {safe, unsafe}) backend.wait_for_status(attempt_id(id, "work", 1), "running");
    BackendWorker spare(backend, "echo", "wf-spare");

    backend.kill9();
    doomed->process().signal(SIGKILL);
    REQUIRE(doomed->process().wait(std::chrono::seconds(5)).has_value());
    backend.start_again();
    INFO("backend output after restart:\n" << backend.process().output());

    const auto done = wait_for_workflow(backend, safe, "completed");
    CHECK(step_of(done, "work").at("attempts") == 2);
    CHECK(backend.operation(attempt_id(safe, "work", 2)).at("worker_id") == "wf-spare");
    const auto failed = failed_by(backend, unsafe, "work", 1);
    CHECK(string_of(step_of(failed, "work").at("error_message")).find("recover") != std::string::npos);
    CHECK_FALSE(runs_on({&spare}).contains(attempt_id(unsafe, "work", 2)));
}

TEST_CASE("workflows: recover is refused while a cancelled attempt is still stopping on its worker",
          "[integration][workflows]") {
    // A worker that stops answering (SIGSTOP) cannot confirm the cancel; health checks far apart
    // keep it from being declared lost meanwhile.
    BackendUnderTest backend({"--health-interval", "60s"});
    BackendWorker worker(backend, "echo", "wf-frozen", {"--health-interval", "60s"});
    const auto id = occupy_worker(backend);
    worker.process().signal(SIGSTOP);
    struct Thaw {
        Process& process;
        ~Thaw() { process.signal(SIGCONT); }
    } thaw{worker.process()};

    CHECK(act_ok(backend, id, "cancel").at("status") == "cancelled");
    check_error(act(backend, id, "recover"), 409, "stopping");

    worker.process().signal(SIGCONT);
    REQUIRE(eventually([&] { return worker_view(worker, attempt_id(id, "long", 1)).at("status") == "cancelled"; }));
    REQUIRE(eventually([&] { return act(backend, id, "recover").status == 200; }));
    backend.wait_for_status(attempt_id(id, "long", 2), "running");
    act_ok(backend, id, "cancel");
}
