// Schedules (cron that starts workflows) against the real fleet-backend and
// echo fleet-workers, as a user with curl sees them: the "Endpoints" and
// "Firing" sections of proto_docs/schedules.md are what they check. Timing
// is asserted generously: these check what fires, not how fast.
#include "tests/integration/workflow_client.hpp"

#include <algorithm>
#include <map>
#include <random>
#include <set>
#include <thread>

using namespace fleet;
using namespace fleet::test;
using boost::json::array;
using boost::json::object;
using std::chrono::milliseconds;
using std::chrono::seconds;

namespace {

constexpr const char* kSchedules = "/api/v1/schedules";
constexpr const char* kNobody = "sch_0123456789abcdef01234567";
// A run's creation after its due time, on a loaded two-core machine: far above the benchmark's bound.
constexpr milliseconds kLatenessBound{2000};
constexpr const char* kMissed = "missed while the backend was down";

object echo_workflow(const std::string& name, int duration_ms = 0) {
    return definition(name, {echo_step("work", {{"duration_ms", duration_ms}, {"steps", 1}})});
}

object schedule_request(const std::string& name, const std::string& cron, object workflow, object extra = {}) {
    object body{{"name", name}, {"cron", cron}, {"workflow", std::move(workflow)}};
    for (auto& field : extra) body[field.key()] = field.value();
    return body;
}

// Creates a schedule that must be taken: 201 in the documented shape; returns the answer.
object create(BackendUnderTest& backend, const object& body) {
    const auto response = backend.post(kSchedules, to_body(body));
    INFO("create " << to_body(body) << " -> " << response.status << " " << response.body);
    auto answer = json_of(response);
    REQUIRE(response.status == 201);
    CHECK(answer.at("success") == true);
    CHECK(string_of(answer.at("schedule_id")).starts_with("sch_"));
    REQUIRE(answer.contains("next_run_at"));
    return answer;
}

std::string create_id(BackendUnderTest& backend, const object& body) {
    return string_of(create(backend, body).at("schedule_id"));
}

object schedule(BackendUnderTest& backend, const std::string& id) {
    const auto response = backend.get(std::string(kSchedules) + "/" + id);
    INFO("schedule " << id << " -> " << response.status << " " << response.body);
    auto body = json_of(response);
    REQUIRE(response.status == 200);
    CHECK(body.at("success") == true);
    return body.at("data").as_object();
}

http::ClientResponse act(BackendUnderTest& backend, const std::string& id, const std::string& action) {
    return backend.post(std::string(kSchedules) + "/" + id + "/" + action, "");
}

// A pause, resume or trigger that must be taken: 200, naming the schedule; returns the answer.
object act_ok(BackendUnderTest& backend, const std::string& id, const std::string& action) {
    const auto response = act(backend, id, action);
    INFO(action << " " << id << " -> " << response.status << " " << response.body);
    auto answer = json_of(response);
    REQUIRE(response.status == 200);
    CHECK(answer.at("success") == true);
    CHECK(answer.at("schedule_id") == boost::json::value(id));
    return answer;
}

// Every workflow the schedule started, by GET /api/v1/workflows?schedule_id=..., oldest due time first.
std::vector<object> runs_of(BackendUnderTest& backend, const std::string& id) {
    std::vector<object> runs;
    for (std::int64_t offset = 0, total = 1; offset < total; offset += 1000) {
        const auto page =
            list_workflows(backend, "?schedule_id=" + id + "&limit=1000&offset=" + std::to_string(offset));
        total = page.at("total").to_number<std::int64_t>();
        for (const auto& item : page.at("workflows").as_array()) runs.push_back(item.as_object());
        if (page.at("workflows").as_array().empty()) break;
    }
    std::sort(runs.begin(), runs.end(), [](const object& a, const object& b) {
        return time_of(a, "scheduled_for") < time_of(b, "scheduled_for");
    });
    return runs;
}

// Waits until the schedule has started at least `count` runs; returns them all.
std::vector<object> wait_for_runs(BackendUnderTest& backend, const std::string& id, std::size_t count,
                                  milliseconds timeout = seconds(30)) {
    std::vector<object> runs;
    const bool reached = eventually([&] { return (runs = runs_of(backend, id)).size() >= count; }, timeout);
    INFO("schedule " << id << " started " << runs.size() << " runs, not " << count << "\nschedule: "
                     << schedule(backend, id) << "\nbackend output:\n" << backend.process().output());
    REQUIRE(reached);
    return runs;
}

std::int64_t epoch_ms(SystemTime t) {
    return std::chrono::duration_cast<milliseconds>(t.time_since_epoch()).count();
}

// A schedule of one echo step every second, once it has started its first run: its id.
std::string every_second(BackendUnderTest& backend, const std::string& name, object extra) {
    const auto id = create_id(backend, schedule_request(name, "* * * * * *", echo_workflow(name + "-run"), extra));
    wait_for_runs(backend, id, 1);
    return id;
}

// The schedule's runs carry it, and no due time started two of them.
void check_one_run_per_due_time(const std::vector<object>& runs, const std::string& id) {
    std::set<std::int64_t> due;
    for (const auto& run : runs) {
        INFO(run);
        CHECK(run.at("schedule_id") == boost::json::value(id));
        CHECK(due.insert(epoch_ms(time_of(run, "scheduled_for"))).second);
    }
}

void wait_all_completed(BackendUnderTest& backend, const std::vector<object>& runs,
                        milliseconds timeout = kRunDeadline) {
    for (const auto& run : runs) wait_for_workflow(backend, string_of(run.at("workflow_id")), "completed", timeout);
}

// Each attempt of each run ran once, on one worker, and no second attempt exists.
void check_attempts_ran_once(const std::vector<object>& runs, EchoFleet& fleet) {
    const auto on_workers = runs_on(fleet.all());
    for (const auto& run : runs) {
        const auto id = string_of(run.at("workflow_id"));
        INFO("run " << run);
        const auto first = on_workers.find(attempt_id(id, "work", 1));
        CHECK((first != on_workers.end() && first->second == 1));
        CHECK_FALSE(on_workers.contains(attempt_id(id, "work", 2)));
    }
}

// A time the schedule's answers hold: `key` of `view` as milliseconds since the epoch.
std::int64_t ms_of(const object& view, const char* key) { return epoch_ms(time_of(view, key)); }

std::int64_t now_ms() { return epoch_ms(std::chrono::system_clock::now()); }

// Each run's creation after its due time, with every run ended, checking no two were active at once.
void check_never_two_active(const std::vector<object>& runs) {
    for (std::size_t i = 1; i < runs.size(); ++i) {
        INFO("run " << runs[i - 1] << "\nthen " << runs[i]);
        REQUIRE(runs[i - 1].at("completed_at").is_string());
        CHECK(ms_of(runs[i], "created_at") >= ms_of(runs[i - 1], "completed_at"));
    }
}

std::size_t active_runs(BackendUnderTest& backend, const std::string& id) {
    std::size_t active = 0;
    for (const auto* status : {"pending", "running", "paused", "recovering"})
        active += static_cast<std::size_t>(total_workflows(backend, "?schedule_id=" + id + "&status=" + status));
    return active;
}

// Watches the schedule until it started `count` runs, `also` on every look, checking that no two were
// active at once; then pauses it and waits for its runs to end. Returns them, each checked.
template <typename Also>
std::vector<object> runs_one_at_a_time(BackendUnderTest& backend, const std::string& id, std::size_t count,
                                       Also also) {
    std::size_t most_active = 0;
    REQUIRE(eventually(
        [&] {
            also();
            most_active = std::max(most_active, active_runs(backend, id));
            return runs_of(backend, id).size() >= count;
        },
        seconds(30)));
    CHECK(most_active <= 1);
    act_ok(backend, id, "pause");
    wait_all_completed(backend, runs_of(backend, id));
    const auto runs = runs_of(backend, id);
    check_one_run_per_due_time(runs, id);
    check_never_two_active(runs);
    return runs;
}

// The skipped due times the schedule shows, as milliseconds, each with a reason that contains `reason`.
std::set<std::int64_t> skipped_due_times(const object& view, const std::string& reason) {
    std::set<std::int64_t> due;
    for (const auto& skipped : view.at("skipped_runs").as_array()) {
        INFO(skipped);
        CHECK(skipped.at("recorded_at").is_string());
        if (string_of(skipped.at("reason")).find(reason) != std::string::npos)
            due.insert(ms_of(skipped.as_object(), "scheduled_for"));
    }
    return due;
}

// Everything in the answers about a workflow's run as the schedule's recent_runs list it.
void check_recent_runs(const object& view, const std::vector<object>& runs) {
    std::map<std::string, const object*> by_id;
    for (const auto& run : runs) by_id[string_of(run.at("workflow_id"))] = &run;
    const auto& recent = view.at("recent_runs").as_array();
    CHECK_FALSE(recent.empty());
    CHECK(recent.size() <= 10);
    for (const auto& entry : recent) {
        INFO("recent run " << entry);
        const auto it = by_id.find(string_of(entry.at("workflow_id")));
        if (it == by_id.end()) continue;  // started after the list was read
        CHECK(entry.at("scheduled_for") == it->second->at("scheduled_for"));
        CHECK(entry.at("created_at") == it->second->at("created_at"));
        CHECK(entry.at("status").is_string());
    }
}

// Whether the Prometheus page has a sample of `name` whose labels hold `label`.
bool has_sample(const std::string& page, const std::string& name, const std::string& label) {
    for (std::size_t at = page.find(name); at != std::string::npos; at = page.find(name, at + 1)) {
        const auto line_end = page.find('\n', at);
        const auto line = page.substr(at, line_end == std::string::npos ? std::string::npos : line_end - at);
        if ((at == 0 || page[at - 1] == '\n') && line.find(label) != std::string::npos) return true;
    }
    return false;
}

}  // namespace

TEST_CASE("schedules: a bad request is 400 naming the field, a bad workflow 422 naming the step; nothing stored",
          "[integration][schedules]") {
    BackendUnderTest backend;
    const auto good = schedule_request("bad", "*/2 * * * * *", echo_workflow("bad-run"));
    const auto with = [&](const char* key, boost::json::value value) {
        auto body = good;
        body[key] = std::move(value);
        return to_body(body);
    };
    // A bad cron: `field` names the cron field (or `expression`), the message says why.
    const auto bad_cron = [&](const std::string& cron, const std::string& field) {
        const auto response = backend.post(kSchedules, with("cron", cron.c_str()));
        check_error(response, 400);
        INFO("cron '" << cron << "' -> " << response.body);
        CHECK(json_of(response).at("field") == boost::json::value(field));
    };
    bad_cron("61 * * * *", "minute");
    bad_cron("*/2 * * * * 9", "day-of-week");
    bad_cron("0 0 30 2 *", "day-of-month");
    bad_cron("0 25 * * *", "hour");
    bad_cron("0 0 * 13 *", "month");
    bad_cron("* * * *", "expression");
    bad_cron("@reboot", "expression");
    bad_cron("60 * * * * *", "second");

    const auto zone = backend.post(kSchedules, with("timezone", "Mars/Olympus_Mons"));
    check_error(zone, 400, "Mars/Olympus_Mons");
    CHECK(json_of(zone).at("field") == "timezone");

    check_error(backend.post(kSchedules, "{not json"), 400);
    check_error(backend.post(kSchedules, "[1]"), 400);
    check_error(backend.post(kSchedules, with("colour", "red")), 400, "colour");
    check_error(backend.post(kSchedules, with("name", 7)), 400, "name");
    check_error(backend.post(kSchedules, with("cron", 5)), 400, "cron");
    check_error(backend.post(kSchedules, with("overlap", "sometimes")), 400, "overlap");
    check_error(backend.post(kSchedules, with("catchup", "twice")), 400, "catchup");
    check_error(backend.post(kSchedules, with("paused", "yes")), 400, "paused");
    check_error(backend.post(kSchedules, with("workflow", "echo")), 400, "workflow");
    auto no_cron = good;
    no_cron.erase("cron");
    check_error(backend.post(kSchedules, to_body(no_cron)), 400, "cron");

    // A workflow definition the workflow API would refuse: 422 naming the step.
    const auto cycle = definition("cycle", {echo_step("a", {}, {"b"}), echo_step("b", {}, {"a"})});
    const auto refused = backend.post(kSchedules, with("workflow", cycle));
    check_error(refused, 422);
    const auto answer = json_of(refused);
    INFO(refused.body);
    REQUIRE(answer.contains("step"));
    CHECK((answer.at("step") == "a" || answer.at("step") == "b"));
    check_error(backend.post(kSchedules, with("workflow", definition("unknown-dep", {echo_step("a", {}, {"z"})}))),
                422, "z");
    check_error(backend.post(kSchedules, with("workflow", definition("no-steps", {}))), 422);

    const auto list = json_of(backend.get(kSchedules));
    CHECK(list.at("data").at("total") == 0);
    CHECK(list.at("data").at("schedules").as_array().empty());
    CHECK(total_workflows(backend) == 0);
    check_error(backend.get(std::string(kSchedules) + "/" + kNobody), 404);
    for (const auto* action : {"pause", "resume", "trigger"}) check_error(act(backend, kNobody, action), 404);
    check_error(backend.del(std::string(kSchedules) + "/" + kNobody), 404);
}

TEST_CASE("schedules: every 2 seconds, runs start on time carrying schedule_id and scheduled_for",
          "[integration][schedules]") {
    BackendUnderTest backend;
    EchoFleet fleet(backend, 1, "sch-on-time");
    const auto before = now_ms();
    const auto created = create(backend, schedule_request("every-2s", "*/2 * * * * *", echo_workflow("every-2s-run"),
                                                          {{"overlap", "allow"}}));
    const auto id = string_of(created.at("schedule_id"));
    const auto first_due = ms_of(created, "next_run_at");
    CHECK(first_due % 2000 == 0);
    CHECK(first_due > before - 1000);
    CHECK(first_due <= before + 2000);

    const auto runs = wait_for_runs(backend, id, 3);
    check_one_run_per_due_time(runs, id);
    for (std::size_t i = 0; i < runs.size(); ++i) {
        const auto& run = runs[i];
        INFO("run " << run);
        const auto due = ms_of(run, "scheduled_for");
        CHECK(due % 2000 == 0);  // an even second
        CHECK(due >= first_due);
        const auto lateness = ms_of(run, "created_at") - due;
        CHECK(lateness >= 0);
        CHECK(lateness <= kLatenessBound.count());
        CHECK(run.at("name") == "every-2s-run");
        if (i > 0) CHECK(due - ms_of(runs[i - 1], "scheduled_for") == 2000);  // none missed, none twice
    }
    for (const auto& run : runs) {
        const auto done = wait_for_workflow(backend, string_of(run.at("workflow_id")), "completed");
        CHECK(done.at("schedule_id") == boost::json::value(id));
        CHECK(done.at("scheduled_for") == run.at("scheduled_for"));
    }

    // The schedule as GET shows it.
    const auto view = schedule(backend, id);
    INFO(view);
    CHECK(view.at("schedule_id") == boost::json::value(id));
    CHECK(view.at("name") == "every-2s");
    CHECK(view.at("cron") == "*/2 * * * * *");
    CHECK(view.at("normalized_cron") == "*/2 * * * * *");
    CHECK(view.at("timezone") == "UTC");
    CHECK(view.at("overlap") == "allow");
    CHECK(view.at("catchup") == "one");
    CHECK(view.at("paused") == false);
    CHECK(view.at("workflow").at("name") == "every-2s-run");
    const auto& next = view.at("next_run_times").as_array();
    REQUIRE(next.size() == 5);
    CHECK(next[0] == view.at("next_run_at"));
    for (std::size_t i = 0; i < next.size(); ++i) {
        const auto due = epoch_ms(*json::parse_iso8601(next[i].as_string()));
        CHECK(due % 2000 == 0);
        if (i > 0) CHECK(due - epoch_ms(*json::parse_iso8601(next[i - 1].as_string())) == 2000);
    }
    CHECK(ms_of(view, "next_run_at") > ms_of(runs.back(), "scheduled_for"));
    CHECK(ms_of(view, "last_run_at") >= ms_of(runs.back(), "scheduled_for"));
    CHECK(view.at("last_workflow_id").is_string());
    CHECK(view.at("runs_started").to_number<std::int64_t>() >= static_cast<std::int64_t>(runs.size()));
    CHECK(view.at("runs_skipped") == 0);
    CHECK(view.at("skipped_runs").as_array().empty());
    CHECK(view.at("buffered_for").is_null());
    CHECK(view.at("created_at").is_string());
    CHECK(view.at("updated_at").is_string());
    check_recent_runs(view, runs_of(backend, id));

    // Listed, without the per-run lists.
    const auto list = json_of(backend.get(kSchedules)).at("data").as_object();
    CHECK(list.at("total") == 1);
    CHECK(list.at("limit") == 100);
    CHECK(list.at("offset") == 0);
    const auto& item = list.at("schedules").at(0).as_object();
    CHECK(item.at("schedule_id") == boost::json::value(id));
    CHECK_FALSE(item.contains("recent_runs"));
    CHECK_FALSE(item.contains("skipped_runs"));
    CHECK(item.at("next_run_times").as_array().size() == 5);

    const auto metrics = backend.get("/metrics").body;
    CHECK(has_sample(metrics, "fleet_schedule_runs_total", "outcome=\"started\""));
    CHECK(has_sample(metrics, "fleet_schedule_lateness_seconds", ""));
    check_attempts_ran_once(runs, fleet);
}

TEST_CASE("schedules: pause stops the runs, resume starts again from now with no catch-up; 409 when already so",
          "[integration][schedules]") {
    BackendUnderTest backend;
    EchoFleet fleet(backend, 1, "sch-pause");
    const auto id = every_second(backend, "pause", {{"overlap", "allow"}});

    const auto paused = act_ok(backend, id, "pause");
    const auto paused_at = now_ms();
    CHECK(paused.at("paused") == true);
    CHECK(paused.at("next_run_at").is_null());
    check_error(act(backend, id, "pause"), 409);
    const auto view = schedule(backend, id);
    CHECK(view.at("paused") == true);
    CHECK(view.at("next_run_at").is_null());
    const auto count = runs_of(backend, id).size();
    // Three due times pass while paused: none starts a run.
    CHECK(stays([&] { return runs_of(backend, id).size() == count; }, seconds(3)));

    const auto resumed_at = now_ms();
    const auto resumed = act_ok(backend, id, "resume");
    CHECK(resumed.at("paused") == false);
    REQUIRE(resumed.at("next_run_at").is_string());
    CHECK(ms_of(resumed, "next_run_at") > resumed_at - 1000);
    check_error(act(backend, id, "resume"), 409);

    const auto runs = wait_for_runs(backend, id, count + 2);
    check_one_run_per_due_time(runs, id);
    for (const auto& run : runs) {
        INFO("run " << run << " (paused from " << paused_at << " to " << resumed_at << " ms)");
        const auto due = ms_of(run, "scheduled_for");
        // Due times inside the pause were not started afterwards: paused time is not missed time.
        CHECK((due <= paused_at || due >= resumed_at - 1000));
        CHECK(ms_of(run, "created_at") - due <= kLatenessBound.count());
    }
    const auto after = schedule(backend, id);
    INFO(after);
    CHECK(after.at("paused") == false);
    CHECK(after.at("skipped_runs").as_array().empty());
    CHECK(after.at("runs_skipped") == 0);
}

TEST_CASE("schedules: trigger starts a run now, under the overlap policy, also while paused",
          "[integration][schedules]") {
    BackendUnderTest backend;
    EchoFleet fleet(backend, 1, "sch-trigger", {"--max-concurrent", "4"});
    // Paused from the start: no due time, only triggers.
    const auto created = create(backend, schedule_request("triggered", "0 0 1 1 *", echo_workflow("trigger-run", 3000),
                                                          {{"paused", true}}));
    CHECK(created.at("next_run_at").is_null());
    const auto id = string_of(created.at("schedule_id"));

    const auto before = now_ms();
    const auto started = act_ok(backend, id, "trigger");
    CHECK(started.at("outcome") == "started");
    REQUIRE(started.at("workflow_id").is_string());
    const auto run_id = string_of(started.at("workflow_id"));
    const auto run = workflow(backend, run_id);
    INFO(run);
    CHECK(run.at("schedule_id") == boost::json::value(id));
    CHECK(ms_of(run, "scheduled_for") >= before - 1000);
    CHECK(ms_of(run, "scheduled_for") <= now_ms());

    // While that run is active, the default overlap (skip) refuses a second one and says why.
    const auto skipped = act_ok(backend, id, "trigger");
    CHECK(skipped.at("outcome") == "skipped");
    CHECK(string_of(skipped.at("reason")).find(run_id) != std::string::npos);
    CHECK((!skipped.contains("workflow_id") || skipped.at("workflow_id").is_null()));
    wait_for_workflow(backend, run_id, "completed");
    const auto view = schedule(backend, id);
    INFO(view);
    CHECK(view.at("paused") == true);
    CHECK(view.at("runs_started") == 1);
    CHECK(view.at("runs_skipped") == 1);
    CHECK(view.at("last_workflow_id") == boost::json::value(run_id));
    CHECK(runs_of(backend, id).size() == 1);

    // buffer_one keeps the trigger and starts it when the active run ends.
    const auto buffered_id = create_id(backend, schedule_request("buffered", "0 0 1 1 *",
                                                                 echo_workflow("buffer-run", 1500),
                                                                 {{"overlap", "buffer_one"}}));
    const auto first = string_of(act_ok(backend, buffered_id, "trigger").at("workflow_id"));
    CHECK(act_ok(backend, buffered_id, "trigger").at("outcome") == "buffered");
    CHECK(schedule(backend, buffered_id).at("buffered_for").is_string());
    const auto first_done = wait_for_workflow(backend, first, "completed");
    const auto runs = wait_for_runs(backend, buffered_id, 2);
    REQUIRE(runs.size() == 2);
    CHECK(ms_of(runs[1], "created_at") >= ms_of(first_done, "completed_at"));
    CHECK(schedule(backend, buffered_id).at("buffered_for").is_null());
}

TEST_CASE("schedules: delete stops the runs; the schedule is 404 after, its runs keep its id",
          "[integration][schedules]") {
    BackendUnderTest backend;
    EchoFleet fleet(backend, 1, "sch-delete");
    const auto id = every_second(backend, "delete", {{"overlap", "allow"}});
    const auto response = backend.del(std::string(kSchedules) + "/" + id);
    INFO(response.body);
    REQUIRE(response.status == 200);
    CHECK(json_of(response).at("schedule_id") == boost::json::value(id));

    check_error(backend.get(std::string(kSchedules) + "/" + id), 404);
    check_error(backend.del(std::string(kSchedules) + "/" + id), 404);
    for (const auto* action : {"pause", "resume", "trigger"}) check_error(act(backend, id, action), 404);
    CHECK(json_of(backend.get(kSchedules)).at("data").at("total") == 0);
    const auto count = runs_of(backend, id).size();
    CHECK(count >= 1);
    CHECK(stays([&] { return runs_of(backend, id).size() == count; }, seconds(3)));
    wait_all_completed(backend, runs_of(backend, id));
}

TEST_CASE("schedules: overlap skip with a run longer than the period records the skips, never two runs at once",
          "[integration][schedules]") {
    BackendUnderTest backend;
    EchoFleet fleet(backend, 1, "sch-skip", {"--max-concurrent", "4"});
    const auto id = create_id(backend, schedule_request("skip", "* * * * * *", echo_workflow("skip-run", 3000)));
    CHECK(schedule(backend, id).at("overlap") == "skip");

    const auto runs = runs_one_at_a_time(backend, id, 3, [] {});

    const auto view = schedule(backend, id);
    INFO(view);
    const auto skipped = skipped_due_times(view, "still active");
    CHECK(skipped.size() >= 2);
    CHECK(view.at("runs_skipped").to_number<std::int64_t>() >= static_cast<std::int64_t>(skipped.size()));
    for (const auto& run : runs) CHECK_FALSE(skipped.contains(ms_of(run, "scheduled_for")));
    for (const auto& entry : view.at("skipped_runs").as_array())
        CHECK(string_of(entry.at("reason")).find("wf_") != std::string::npos);  // names the active run
    CHECK(has_sample(backend.get("/metrics").body, "fleet_schedule_runs_total", "outcome=\"skipped\""));
    check_attempts_ran_once(runs, fleet);
}

TEST_CASE("schedules: overlap buffer_one keeps one due time and starts it when the run ends",
          "[integration][schedules]") {
    BackendUnderTest backend;
    EchoFleet fleet(backend, 1, "sch-buffer", {"--max-concurrent", "4"});
    const auto id = create_id(backend, schedule_request("buffer", "* * * * * *", echo_workflow("buffer-run", 2500),
                                                        {{"overlap", "buffer_one"}}));
    bool saw_buffered = false;
    const auto runs = runs_one_at_a_time(backend, id, 3, [&] {
        saw_buffered = saw_buffered || schedule(backend, id).at("buffered_for").is_string();
    });
    CHECK(saw_buffered);
    // Each run after the first is a due time kept while its predecessor ran, started when that one ended.
    for (std::size_t i = 1; i < runs.size(); ++i) {
        INFO("run " << runs[i - 1] << "\nthen " << runs[i]);
        CHECK(ms_of(runs[i], "scheduled_for") < ms_of(runs[i - 1], "completed_at"));
        CHECK(ms_of(runs[i], "created_at") - ms_of(runs[i - 1], "completed_at") <= kLatenessBound.count());
    }
    const auto view = schedule(backend, id);
    INFO(view);
    // A later due time while one is kept is skipped.
    CHECK_FALSE(skipped_due_times(view, "").empty());
    check_attempts_ran_once(runs, fleet);
}

TEST_CASE("schedules: preview lists the due times after `from` in the zone, DST included",
          "[integration][schedules]") {
    BackendUnderTest backend;
    const std::string preview = std::string(kSchedules) + "/preview";
    const auto answer = json_of(backend.get(
        preview + "?cron=0%209%20*%20*%20MON-FRI&timezone=Europe/Amsterdam&from=2027-03-26T00:00:00Z&count=3"));
    INFO(answer);
    CHECK(answer.at("success") == true);
    const auto& data = answer.at("data");
    CHECK(data.at("cron") == "0 0 9 * * 1-5");
    CHECK(data.at("timezone") == "Europe/Amsterdam");
    // Friday in CET (UTC+1), then Monday and Tuesday in CEST (UTC+2): the clocks moved on Sunday the 28th.
    CHECK(data.at("next_run_times") ==
          array{"2027-03-26T08:00:00.000Z", "2027-03-29T07:00:00.000Z", "2027-03-30T07:00:00.000Z"});

    // Defaults: UTC, five due times, from now.
    const auto defaults = json_of(backend.get(preview + "?cron=@hourly")).at("data").as_object();
    CHECK(defaults.at("timezone") == "UTC");
    CHECK(defaults.at("cron") == "0 0 * * * *");
    const auto& hours = defaults.at("next_run_times").as_array();
    REQUIRE(hours.size() == 5);
    const auto first = epoch_ms(*json::parse_iso8601(hours[0].as_string()));
    CHECK(first > now_ms() - 1000);
    CHECK(first % 3'600'000 == 0);
    // Fall back on 2027-10-31: a fixed-time job runs once, at the first 02:30 (CEST).
    const auto fall = json_of(backend.get(preview + "?cron=30%202%20*%20*%20*&timezone=Europe/Amsterdam"
                                                    "&from=2027-10-30T00:00:00Z&count=3"));
    CHECK(fall.at("data").at("next_run_times") ==
          array{"2027-10-30T00:30:00.000Z", "2027-10-31T00:30:00.000Z", "2027-11-01T01:30:00.000Z"});

    const auto field_of = [&](const std::string& query, const std::string& field) {
        const auto response = backend.get(preview + query);
        check_error(response, 400);
        INFO(query << " -> " << response.body);
        CHECK(json_of(response).at("field") == boost::json::value(field));
    };
    field_of("?cron=61%20*%20*%20*%20*", "minute");
    field_of("?cron=*%20*%20*%20*", "expression");
    field_of("?cron=*%20*%20*%20*%20*&timezone=Nowhere/Special", "timezone");
    check_error(backend.get(preview), 400, "cron");
    check_error(backend.get(preview + "?cron=@daily&count=0"), 400, "count");
    check_error(backend.get(preview + "?cron=@daily&count=101"), 400, "count");
    check_error(backend.get(preview + "?cron=@daily&from=yesterday"), 400, "from");
    CHECK(json_of(backend.get(preview + "?cron=@daily&count=100")).at("data").at("next_run_times").as_array().size() ==
          100);
    // A preview stores nothing.
    CHECK(json_of(backend.get(kSchedules)).at("data").at("total") == 0);
}

TEST_CASE("kill -9 of the backend across due times: catchup one starts the latest missed, records the rest, "
          "and no due time starts two runs",
          "[integration][schedules-faults]") {
    BackendUnderTest backend({}, free_loopback_port());
    EchoFleet fleet(backend, 2, "sch-kill", {"--max-concurrent", "4", "--history", "100000"});
    const auto id = every_second(backend, "kill", {{"overlap", "allow"}, {"catchup", "one"}});
    wait_for_runs(backend, id, 2);

    backend.kill9();
    const auto killed_at = now_ms();
    // Down across three due times; a sleep, because the point is that time passes with nobody there.
    std::this_thread::sleep_for(seconds(3));
    const auto launched_at = now_ms();
    backend.start_again();
    INFO("backend output after restart:\n" << backend.process().output());

    // Firing goes on after the restart.
    REQUIRE(eventually([&] { return ms_of(runs_of(backend, id).back(), "scheduled_for") > launched_at + 2000; },
                       seconds(30)));
    act_ok(backend, id, "pause");
    const auto all = runs_of(backend, id);
    check_one_run_per_due_time(all, id);

    const auto view = schedule(backend, id);
    INFO(view);
    const auto missed = skipped_due_times(view, kMissed);
    REQUIRE_FALSE(missed.empty());
    std::vector<object> catch_up, in_window;
    for (const auto& run : all) {
        const auto due = ms_of(run, "scheduled_for");
        if (due > killed_at && due < launched_at) in_window.push_back(run);
        if (due > *missed.rbegin() && ms_of(run, "created_at") >= launched_at &&
            (catch_up.empty() || due < ms_of(catch_up.front(), "scheduled_for")))
            catch_up = {run};
    }
    // At most one run for the due times while it was down (none when the latest missed one fell after the launch).
    CHECK(in_window.size() <= 1);
    REQUIRE(catch_up.size() == 1);
    const auto catch_up_due = ms_of(catch_up.front(), "scheduled_for");
    INFO("catch-up run " << catch_up.front() << "; killed at " << killed_at << ", launched at " << launched_at);
    // The latest missed due time: right after the recorded ones.
    CHECK(catch_up_due - *missed.rbegin() == 1000);
    CHECK(catch_up_due > killed_at);
    for (const auto due : missed) {
        CHECK(due > killed_at - 1000);
        CHECK(due < launched_at);
    }
    // Every second from the first run to the last: one run or one record of a skip, never both, never twice.
    std::map<std::int64_t, int> seen;
    for (const auto& run : all) ++seen[ms_of(run, "scheduled_for")];
    for (const auto due : skipped_due_times(view, "")) ++seen[due];
    for (auto due = ms_of(all.front(), "scheduled_for"); due <= ms_of(all.back(), "scheduled_for"); due += 1000) {
        INFO("due time " << due);
        CHECK(seen[due] == 1);
    }
    wait_all_completed(backend, all);
    check_attempts_ran_once(all, fleet);
    CHECK(has_sample(backend.get("/metrics").body, "fleet_schedule_runs_total", "outcome=\"skipped\""));
}

TEST_CASE("kill -9 of the backend at random instants: catchup all starts every due time exactly once",
          "[integration][schedules-faults]") {
    BackendUnderTest backend({}, free_loopback_port());
    EchoFleet fleet(backend, 2, "sch-kills", {"--max-concurrent", "8", "--history", "100000"});
    const auto id = every_second(backend, "kills", {{"overlap", "allow"}, {"catchup", "all"}});
    std::mt19937 random{std::random_device{}()};
    std::uniform_int_distribution<int> instant(0, 999);
    for (int round = 0; round < 5; ++round) {
        const auto count = runs_of(backend, id).size();
        wait_for_runs(backend, id, count + 1);
        // Anywhere in the second: before, during or after a due time's transaction.
        std::this_thread::sleep_for(milliseconds(instant(random)));
        backend.restart();
    }
    INFO("backend output after the last restart:\n" << backend.process().output());
    const auto last_launch = now_ms();
    REQUIRE(eventually([&] { return ms_of(runs_of(backend, id).back(), "scheduled_for") > last_launch + 1000; },
                       seconds(30)));
    act_ok(backend, id, "pause");
    const auto all = runs_of(backend, id);
    check_one_run_per_due_time(all, id);
    // With catchup all and overlap allow, every second from the first due time to the last started one run.
    const auto first = ms_of(all.front(), "scheduled_for"), last = ms_of(all.back(), "scheduled_for");
    CHECK(static_cast<std::int64_t>(all.size()) == (last - first) / 1000 + 1);
    const auto view = schedule(backend, id);
    INFO(view);
    CHECK(view.at("skipped_runs").as_array().empty());
    wait_all_completed(backend, all, seconds(60));
    check_attempts_ran_once(all, fleet);
}
