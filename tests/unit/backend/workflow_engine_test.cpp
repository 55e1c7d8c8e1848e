// The workflow engine's executor on the backend's core: attempts go out
// through the dispatcher only after their commit, dependants start in the
// turn that takes in their dependency's end, and a restart picks up every
// workflow where it stood without starting an attempt twice.
#include "backend/storage/workflow_repository.hpp"
#include "backend/workflows/workflow_engine.hpp"
#include "tests/support/backend_core.hpp"
#include "tests/support/engine_test_support.hpp"

#include <boost/json/parse.hpp>
#include <catch2/catch.hpp>

#include <filesystem>

using namespace fleet;
using namespace fleet::backend;
using namespace fleet::backend::workflows;
using test::id_of_start;

namespace {

struct EngineCore : test::BackendCore {
    explicit EngineCore(const std::string& db = ":memory:") : BackendCore(db) { core.group_commits(); }

    // Runs what the core thread has queued: the group commit, and what waits for it.
    void run() {
        io.restart();
        io.poll();
    }
    // The start calls sent so far that nobody answered, by task_id.
    std::vector<std::string> unanswered_starts() {
        std::vector<std::string> ids;
        for (const auto& call : workers.calls)
            if (call.kind == "start" && call.then) ids.push_back(id_of_start(call));
        return ids;
    }
    // Answers the start of `task_id` with 200, then reports it completed with `result`.
    void complete(const std::string& task_id, const std::string& result = R"({"ok": true})") {
        for (std::size_t i = 0; i < workers.calls.size(); ++i) {
            const auto& call = workers.calls[i];
            if (call.kind == "start" && call.then && id_of_start(call) == task_id) workers.answer(i, workers.status(200));
        }
        run();
        const auto view = boost::json::parse(R"({"status": "completed", "result": )" + result + "}").as_object();
        REQUIRE(registrations.report(task_id, view) == ReportOutcome::Applied);
    }

    std::shared_ptr<const WorkflowDefinition> definition(const std::string& json) {
        auto parsed = parse_definition(boost::json::parse(json).as_object());
        REQUIRE(std::holds_alternative<WorkflowDefinition>(parsed));
        return std::make_shared<const WorkflowDefinition>(std::get<WorkflowDefinition>(parsed));
    }

    WorkflowRepository repository{store.database};
    WorkflowEngine engine{dispatcher, proxy, operations, repository, store.database, events,
                          core,       timers, metrics,   clock};
};

const char* kDiamond = R"({"name": "diamond", "steps": [
    {"name": "a", "domain": "echo"},
    {"name": "b", "domain": "echo", "depends_on": ["a"]},
    {"name": "c", "domain": "echo", "depends_on": ["a"]},
    {"name": "d", "domain": "echo", "depends_on": ["b", "c"]}]})";

}  // namespace

TEST_CASE("workflow engine: a diamond runs its middle steps side by side, each dependant in the turn its "
          "dependency ends", "[workflow-engine]") {
    EngineCore core;
    core.add_worker("w1");
    core.add_worker("w2");
    core.run();
    const auto id = core.engine.submit(core.definition(kDiamond));
    CHECK(core.unanswered_starts().empty());  // nothing leaves before the commit
    core.run();
    REQUIRE(core.unanswered_starts() == std::vector<std::string>{id + ".a.a1"});

    core.complete(id + ".a.a1");
    core.run();  // the end's commit, the event, the workflow's decision and its commit, the starts
    auto starts = core.unanswered_starts();
    std::sort(starts.begin(), starts.end());
    CHECK(starts == std::vector<std::string>{id + ".b.a1", id + ".c.a1"});
    CHECK(core.engine.find(id)->step_status[1] == StepStatus::Running);

    core.complete(id + ".b.a1", R"({"n": 2})");
    core.complete(id + ".c.a1", R"({"n": 3})");
    core.run();
    REQUIRE(core.unanswered_starts() == std::vector<std::string>{id + ".d.a1"});
    core.complete(id + ".d.a1");
    core.run();
    const auto done = core.engine.find(id);
    REQUIRE(done);
    CHECK(done->state.status == WorkflowStatus::Completed);
    CHECK(done->progress == 100);
    CHECK(done->state.steps[1].result.at("n") == 2);
    // Settled: read from the store, as written.
    core.run();
    const auto stored = core.repository.find(id);
    REQUIRE(stored);
    CHECK(stored->status == WorkflowStatus::Completed);
}

TEST_CASE("workflow engine: a step waits in the queue (shown queued) until a worker is free", "[workflow-engine]") {
    EngineCore core;
    core.add_worker("w1");
    core.run();
    const auto id = core.engine.submit(core.definition(R"({"name": "two", "steps": [
        {"name": "a", "domain": "echo"}, {"name": "b", "domain": "echo"}]})"));
    core.run();
    CHECK(core.unanswered_starts().size() == 1);
    const auto view = core.engine.find(id);
    const auto queued = std::count(view->step_status.begin(), view->step_status.end(), StepStatus::Queued);
    CHECK(queued == 1);
}

TEST_CASE("workflow engine: no worker for a step's domain is a failed attempt", "[workflow-engine]") {
    EngineCore core;
    core.add_worker("w1");
    core.run();
    const auto id = core.engine.submit(core.definition(R"({"name": "x", "steps": [
        {"name": "a", "domain": "nowhere"}]})"));
    core.run();
    const auto view = core.engine.find(id);
    CHECK(view->state.status == WorkflowStatus::Failed);
    CHECK(view->state.steps[0].error_message == "no registered worker serves domain 'nowhere'");
}

TEST_CASE("workflow engine: after a restart every workflow goes on where it stood, no attempt started twice",
          "[workflow-engine]") {
    const test::TempDir dir;
    const auto path = (dir.path() / "fleet.db").string();
    std::string running, ended_unheard, waiting;
    {
        EngineCore before(path);
        before.add_worker("w1");
        before.add_worker("w2");
        before.add_worker("w3");
        before.run();
        const char* two = R"({"name": "two", "steps": [
            {"name": "a", "domain": "echo"}, {"name": "b", "domain": "echo", "depends_on": ["a"]}]})";
        running = before.engine.submit(before.definition(two));
        ended_unheard = before.engine.submit(before.definition(two));
        waiting = before.engine.submit(before.definition(R"({"name": "s", "steps": [
            {"name": "go", "signal": "go"}, {"name": "b", "domain": "echo", "depends_on": ["go"]}]})"));
        before.run();
        CHECK(before.unanswered_starts().size() == 2);
        before.engine.signal(waiting, "early", nullptr, "");  // not awaited: nothing stored
        for (std::size_t i = 0; i < before.workers.calls.size(); ++i) before.workers.answer(i, before.workers.status(200));
        before.run();
    }
    EngineCore after(path);
    after.registry.load();
    after.operations.load();
    after.dispatcher.restore_assignments();
    after.engine.load();
    // An attempt that ended while the backend was down: its worker reports it at once.
    const auto done = boost::json::parse(R"({"status": "completed", "result": {}})").as_object();
    REQUIRE(after.registrations.report(ended_unheard + ".a.a1", done) == ReportOutcome::Applied);
    after.dispatcher.resend_unanswered_starts();
    after.engine.resume_all();
    after.run();  // the end's event arrives too, late: it changes nothing
    // The step whose dependency ended while the backend was down starts; the running
    // attempt goes on, on its worker, as attempt 1: nothing is started again.
    CHECK(after.unanswered_starts() == std::vector<std::string>{ended_unheard + ".b.a1"});
    CHECK(after.engine.find(ended_unheard)->state.steps[0].status == StepStatus::Completed);
    CHECK(after.engine.find(running)->state.steps[0].attempts == 1);
    CHECK(after.engine.find(running)->step_status[0] == StepStatus::Running);
    CHECK_FALSE(after.operations.find(running + ".a.a2"));
    CHECK(after.engine.find(waiting)->state.steps[0].status == StepStatus::Waiting);
    CHECK(after.engine.signal(waiting, "go", true, "").kind == SignalOutcome::Kind::Delivered);
    after.run();
    CHECK(after.unanswered_starts().size() == 2);
}

TEST_CASE("workflow engine: cancel stops the live attempt on its worker, after the commit", "[workflow-engine]") {
    EngineCore core;
    core.add_worker("w1");
    core.run();
    const auto id = core.engine.submit(core.definition(R"({"name": "one", "steps": [{"name": "a", "domain": "echo"}]})"));
    core.run();
    core.workers.answer(0, core.workers.status(200));
    core.run();
    const auto outcome = core.engine.control(id, ControlAction::Cancel);
    CHECK(outcome.kind == ControlOutcome::Kind::Done);
    CHECK(outcome.workflow->state.status == WorkflowStatus::Cancelled);
    const auto cancels = [&core] {
        return std::count_if(core.workers.calls.begin(), core.workers.calls.end(),
                             [](const auto& call) { return call.kind == "cancel"; });
    };
    CHECK(cancels() == 0);
    core.run();
    CHECK(cancels() == 1);
    CHECK(core.engine.control(id, ControlAction::Recover).kind == ControlOutcome::Kind::Refused);  // still stopping
    // Once the attempt has stopped, the workflow is settled in the store too (not loaded at a restart).
    CHECK(core.repository.load_active().size() == 1);
    const auto stopped = boost::json::parse(R"({"status": "cancelled"})").as_object();
    REQUIRE(core.registrations.report(id + ".a.a1", stopped) == ReportOutcome::Applied);
    core.run();
    CHECK(core.repository.load_active().empty());
    CHECK(core.engine.control("wf_nope", ControlAction::Pause).kind == ControlOutcome::Kind::UnknownWorkflow);
}

TEST_CASE("workflow engine: retention deletes settled workflows past the cutoff, never active ones",
          "[workflow-engine]") {
    EngineCore core;
    core.add_worker("w1");
    core.run();
    const auto settled = core.engine.submit(core.definition(R"({"name": "x", "steps": [{"name": "a", "domain": "nowhere"}]})"));
    const auto active = core.engine.submit(core.definition(R"({"name": "y", "steps": [{"name": "go", "signal": "go"}]})"));
    core.run();
    REQUIRE(core.engine.find(settled)->state.status == WorkflowStatus::Failed);
    core.clock.advance(std::chrono::hours(1));
    CHECK(core.repository.delete_settled_before(core.clock.now() - std::chrono::hours(2), 10) == 0);
    CHECK(core.repository.delete_settled_before(core.clock.now(), 10) == 1);
    core.run();
    CHECK_FALSE(core.engine.find(settled));
    CHECK(core.engine.find(active));
}

TEST_CASE("workflow engine: an attempt told to stop before a restart is told again after it", "[workflow-engine]") {
    const test::TempDir dir;
    const auto path = (dir.path() / "fleet.db").string();
    std::string id;
    {
        EngineCore before(path);
        before.add_worker("w1");
        before.run();
        id = before.engine.submit(before.definition(R"({"name": "one", "steps": [{"name": "a", "domain": "echo"}]})"));
        before.run();
        before.workers.answer(0, before.workers.status(200));
        before.run();
        before.engine.control(id, ControlAction::Cancel);
        before.store.database.commit_batch();  // written; the backend stops before the cancel leaves
    }
    EngineCore after(path);
    after.registry.load();
    after.operations.load();
    after.dispatcher.restore_assignments();
    after.engine.load();
    after.engine.resume_all();
    after.run();
    const auto cancels = std::count_if(after.workers.calls.begin(), after.workers.calls.end(),
                                       [&id](const auto& call) { return call.kind == "cancel" && call.target == id + ".a.a1"; });
    CHECK(cancels == 1);
    CHECK(after.engine.find(id)->state.status == WorkflowStatus::Cancelled);
}
