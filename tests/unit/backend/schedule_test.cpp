// Schedules: the pure rules at a due time and after downtime, and the
// Scheduler on the backend's core (create, trigger under overlap, pause,
// resume, catch-up after a restart), with the clock moved by hand.
#include "backend/schedules/schedule_rules.hpp"
#include "backend/schedules/scheduler.hpp"
#include "backend/schedules/time_zone.hpp"
#include "backend/storage/schedule_repository.hpp"
#include "backend/storage/workflow_repository.hpp"
#include "tests/support/backend_core.hpp"
#include "tests/support/engine_test_support.hpp"

#include <boost/json/parse.hpp>
#include <catch2/catch.hpp>

#include <filesystem>

using namespace fleet;
using namespace fleet::backend;
using namespace fleet::backend::schedules;
using namespace std::chrono_literals;

namespace {

Schedule every_second(Overlap overlap = Overlap::Skip, Catchup catchup = Catchup::One) {
    Schedule s;
    s.name = "tick";
    s.cron = "* * * * * *";
    s.expression = std::get<CronExpression>(parse_cron(s.cron));
    s.timezone = "UTC";
    s.zone = std::get<const date::time_zone*>(find_zone("UTC"));
    auto definition = workflows::parse_definition(
        boost::json::parse(R"({"name": "tick", "steps": [{"name": "a", "domain": "echo"}]})").as_object());
    s.workflow = std::make_shared<const workflows::WorkflowDefinition>(std::get<workflows::WorkflowDefinition>(definition));
    s.overlap = overlap;
    s.catchup = catchup;
    return s;
}

struct SchedulerCore : test::BackendCore {
    explicit SchedulerCore(const std::string& db = ":memory:") : BackendCore(db) { core.group_commits(); }
    void run() {
        io.restart();
        io.poll();
    }
    WorkflowRepository workflow_repository{store.database};
    WorkflowEngine engine{dispatcher, proxy, operations, workflow_repository, store.database, events,
                          core,       timers, metrics,   clock};
    ScheduleRepository repository{store.database};
    Scheduler scheduler{engine, repository, store.database, events, timers, metrics, clock};

    std::size_t runs_of(const std::string& schedule_id) {
        WorkflowQuery query;
        query.schedule_id = schedule_id;
        query.limit = 1000;
        return workflow_repository.list(query).total;
    }
};

}  // namespace

TEST_CASE("schedule rules: a due time starts a run unless the previous one is active", "[schedules]") {
    auto s = every_second(Overlap::Skip);
    s.last_workflow_id = "wf_1";
    const SystemTime due{1'800'000'000s};
    CHECK(on_due(s, false, due).kind == DueOutcome::Kind::Start);
    const auto skipped = on_due(s, true, due);
    CHECK(skipped.kind == DueOutcome::Kind::Skip);
    CHECK(skipped.reason == "run wf_1 still active");
    s.overlap = Overlap::Allow;
    CHECK(on_due(s, true, due).kind == DueOutcome::Kind::Start);
    s.overlap = Overlap::BufferOne;
    CHECK(on_due(s, true, due).kind == DueOutcome::Kind::Buffer);
    s.buffered_for = due;
    CHECK(on_due(s, true, due + 1s).kind == DueOutcome::Kind::Skip);
}

TEST_CASE("schedule rules: catch-up runs none, the latest, or up to 100 of the missed due times", "[schedules]") {
    std::vector<SystemTime> missed;
    for (int i = 0; i < 150; ++i) missed.push_back(SystemTime{std::chrono::seconds(i)});
    const auto none = catch_up(Catchup::None, missed);
    CHECK(none.run.empty());
    CHECK(none.missed.size() == 150);
    const auto one = catch_up(Catchup::One, missed);
    REQUIRE(one.run.size() == 1);
    CHECK(one.run[0] == missed.back());
    CHECK(one.missed.size() == 149);
    const auto all = catch_up(Catchup::All, missed);
    CHECK(all.run.size() == 100);
    CHECK(all.run.front() == missed[50]);
    CHECK(all.missed.size() == 50);
    CHECK(catch_up(Catchup::One, {}).run.empty());
}

TEST_CASE("scheduler: trigger starts a run under the overlap policy; pause and resume", "[schedules]") {
    SchedulerCore core;
    core.add_worker("w1");
    core.run();
    const auto created = core.scheduler.create(every_second(Overlap::Skip));
    REQUIRE(created.next_run_at);
    CHECK(*created.next_run_at > core.clock.now());
    core.run();
    const auto first = core.scheduler.trigger(created.schedule_id);
    REQUIRE(first.kind == TriggerResult::Kind::Started);
    core.run();
    const auto second = core.scheduler.trigger(created.schedule_id);
    CHECK(second.kind == TriggerResult::Kind::Skipped);
    CHECK(second.reason == "run " + first.workflow_id + " still active");
    core.run();
    CHECK(core.runs_of(created.schedule_id) == 1);
    CHECK(core.repository.recent_skips(created.schedule_id, 10).size() == 1);

    CHECK(core.scheduler.pause(created.schedule_id) == Scheduler::Change::Done);
    CHECK(core.scheduler.pause(created.schedule_id) == Scheduler::Change::Refused);
    CHECK_FALSE(core.scheduler.find(created.schedule_id)->next_run_at);
    core.clock.advance(10s);
    CHECK(core.scheduler.resume(created.schedule_id) == Scheduler::Change::Done);
    // Paused time is not missed time: the next due time comes after now.
    CHECK(*core.scheduler.find(created.schedule_id)->next_run_at > core.clock.now());
    CHECK(core.scheduler.remove(created.schedule_id));
    CHECK(core.scheduler.trigger(created.schedule_id).kind == TriggerResult::Kind::NotFound);
}

TEST_CASE("scheduler: a trigger in the millisecond of a due time, before its timer, takes another due time",
          "[schedules]") {
    SchedulerCore core;
    core.add_worker("w1");
    core.run();
    const auto created = core.scheduler.create(every_second(Overlap::Allow));
    core.run();
    const auto due = *created.next_run_at;
    core.clock.advance(std::chrono::duration_cast<std::chrono::milliseconds>(due - core.clock.now()));
    // The timer of `due` has not run yet: the trigger comes first, at exactly that time.
    const auto triggered = core.scheduler.trigger(created.schedule_id);
    REQUIRE(triggered.kind == TriggerResult::Kind::Started);
    // The core's wake-up was set on the real clock, a second ahead: let it come.
    core.io.restart();
    core.io.run_for(1500ms);
    INFO("runs started " << core.scheduler.find(created.schedule_id)->runs_started);
    CHECK(core.runs_of(created.schedule_id) == 2);
    // Still in that millisecond: another trigger takes neither the due time nor the first trigger's.
    CHECK(core.scheduler.trigger(created.schedule_id).kind == TriggerResult::Kind::Started);
    core.run();
    CHECK(core.runs_of(created.schedule_id) == 3);
    CHECK(*core.scheduler.find(created.schedule_id)->last_run_at == due + 2ms);
}

TEST_CASE("scheduler: after downtime, catch-up starts the latest missed due time once and records the rest",
          "[schedules]") {
    const test::TempDir dir;
    const auto path = (dir.path() / "fleet.db").string();
    std::string id;
    SystemTime stopped_at;
    {
        SchedulerCore before(path);
        before.add_worker("w1");
        before.run();
        id = before.scheduler.create(every_second(Overlap::Allow, Catchup::One)).schedule_id;
        before.run();
        stopped_at = before.clock.now();
    }
    SchedulerCore after(path);
    after.clock.advance(std::chrono::duration_cast<std::chrono::milliseconds>(stopped_at - after.clock.now()) + 5s);
    after.registry.load();
    after.operations.load();
    after.engine.load();
    after.scheduler.load();
    after.engine.resume_all();
    after.scheduler.start();
    after.run();
    CHECK(after.runs_of(id) == 1);
    const auto* schedule = after.scheduler.find(id);
    REQUIRE(schedule);
    CHECK(schedule->runs_started == 1);
    CHECK(schedule->runs_skipped == 4);
    CHECK(*schedule->last_run_at == std::chrono::floor<std::chrono::seconds>(after.clock.now()));
    CHECK(*schedule->next_run_at > after.clock.now());
    const auto skips = after.repository.recent_skips(id, 10);
    REQUIRE(skips.size() == 4);
    CHECK(skips[0].reason == "missed while the backend was down");
    // Starting again finds nothing missed: the due time already ran.
    after.scheduler.load();
    after.scheduler.start();
    after.run();
    CHECK(after.runs_of(id) == 1);
}

TEST_CASE("scheduler: a trigger never takes a due time of the expression, nor one taken before", "[schedules]") {
    SchedulerCore core;  // its clock starts on a whole second: a due time of `* * * * * *`
    core.add_worker("w1");
    core.run();
    const auto id = core.scheduler.create(every_second(Overlap::Allow)).schedule_id;
    const auto first = core.scheduler.trigger(id);
    const auto second = core.scheduler.trigger(id);
    REQUIRE(first.kind == TriggerResult::Kind::Started);
    REQUIRE(second.kind == TriggerResult::Kind::Started);
    core.run();
    CHECK(*core.engine.find(first.workflow_id)->state.scheduled_for == core.clock.now() + 1ms);
    CHECK(*core.engine.find(second.workflow_id)->state.scheduled_for == core.clock.now() + 2ms);
    CHECK(core.runs_of(id) == 2);
}

TEST_CASE("scheduler: catch-up after a long downtime starts the latest due time; retention trims skips",
          "[schedules]") {
    const test::TempDir dir;
    const auto path = (dir.path() / "fleet.db").string();
    std::string id;
    {
        SchedulerCore before(path);
        id = before.scheduler.create(every_second(Overlap::Allow, Catchup::One)).schedule_id;
        before.run();
    }
    SchedulerCore after(path);
    after.clock.advance(3000s);  // 3,000 due times missed: more than are listed one by one
    after.add_worker("w1");
    after.engine.load();
    after.scheduler.load();
    after.scheduler.start();
    after.run();
    const auto* schedule = after.scheduler.find(id);
    REQUIRE(schedule);
    CHECK(schedule->runs_started == 1);
    CHECK(*schedule->last_run_at == after.clock.now());
    CHECK(schedule->runs_skipped >= 2000);
    CHECK(after.repository.recent_skips(id, 1000).size() == 100);
    after.clock.advance(1s);
    CHECK(after.repository.delete_skips_before(after.clock.now(), 60) == 60);
    CHECK(after.repository.recent_skips(id, 1000).size() == 40);
}
