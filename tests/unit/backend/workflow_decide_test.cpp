#include "backend/workflows/decide.hpp"
#include "tests/support/manual_clock.hpp"

#include <catch2/catch.hpp>

using namespace fleet;
using namespace fleet::backend::workflows;
using namespace std::chrono_literals;

namespace {

StepDefinition op(std::string name, std::vector<std::size_t> depends_on = {}) {
    StepDefinition step;
    step.name = std::move(name);
    step.domain = "echo";
    step.parameters = {{"n", 1}};
    step.depends_on = std::move(depends_on);
    return step;
}

StepDefinition signal_step(std::string name, std::string signal, std::vector<std::size_t> depends_on = {}) {
    StepDefinition step;
    step.name = std::move(name);
    step.kind = StepDefinition::Kind::Signal;
    step.signal = std::move(signal);
    step.depends_on = std::move(depends_on);
    return step;
}

// A workflow of `steps`, submitted (Advance taken) at the clock's time.
struct Fixture {
    test::ManualClock clock;
    WorkflowState state;
    Decision last;

    explicit Fixture(std::vector<StepDefinition> steps, std::optional<std::chrono::milliseconds> timeout = {}) {
        auto definition = std::make_shared<WorkflowDefinition>();
        definition->name = "test";
        definition->inputs = {{"symbol", "AAPL"}};
        definition->steps = std::move(steps);
        definition->timeout = timeout;
        state = new_workflow("wf_1", std::move(definition), clock.now());
        take(Advance{});
    }

    Decision& take(const WorkflowEvent& event) {
        last = decide(state, event, clock.now());
        return last;
    }
    StepState& step(std::size_t i) { return state.steps[i]; }
    std::string op_id(std::size_t i) const { return state.steps[i].operation_id; }

    Decision& completed(std::size_t i, boost::json::value result = boost::json::object{{"ok", true}}) {
        return take(AttemptEnded{op_id(i), OperationStatus::Completed, std::move(result), "", false});
    }
    Decision& failed(std::size_t i, std::string error = "boom", bool lost = false) {
        return take(AttemptEnded{op_id(i), OperationStatus::Failed, nullptr, std::move(error), lost});
    }
    Decision& cancelled(std::size_t i) {
        return take(AttemptEnded{op_id(i), OperationStatus::Cancelled, nullptr, "cancelled", false});
    }
};

template <typename Kind>
std::vector<Kind> commands_of(const Decision& decision) {
    std::vector<Kind> found;
    for (const auto& c : decision.commands)
        if (const auto* k = std::get_if<Kind>(&c)) found.push_back(*k);
    return found;
}

}  // namespace

TEST_CASE("decide: a new workflow starts every step without dependencies at once, in parallel", "[workflow-decide]") {
    Fixture f({op("a"), op("b"), op("c", {0, 1})});
    CHECK(f.state.status == WorkflowStatus::Running);
    CHECK(f.state.started_at == f.clock.now());
    const auto starts = commands_of<StartAttempt>(f.last);
    REQUIRE(starts.size() == 2);
    CHECK(starts[0].operation_id == "wf_1.a.a1");
    CHECK(starts[1].operation_id == "wf_1.b.a1");
    CHECK(f.step(0).status == StepStatus::Running);
    CHECK(f.step(0).live);
    CHECK(f.step(2).status == StepStatus::Pending);
}

TEST_CASE("decide: a dependant starts in the decision that completes its last dependency", "[workflow-decide]") {
    Fixture f({op("a"), op("b"), op("c", {0, 1})});
    f.completed(0);
    CHECK(commands_of<StartAttempt>(f.last).empty());
    f.clock.advance(1ms);
    f.completed(1);
    const auto starts = commands_of<StartAttempt>(f.last);
    REQUIRE(starts.size() == 1);
    CHECK(starts[0].operation_id == "wf_1.c.a1");
    f.completed(2);
    CHECK(f.state.status == WorkflowStatus::Completed);
    CHECK(f.state.completed_at == f.clock.now());
    CHECK(commands_of<WorkflowEnded>(f.last).size() == 1);
}

TEST_CASE("decide: templates are resolved from inputs and completed results when an attempt starts",
          "[workflow-decide]") {
    auto b = op("b", {0});
    b.parameters = {{"file", "${steps.a.result.path}"}, {"symbol", "${inputs.symbol}"}};
    Fixture f({op("a"), b});
    f.completed(0, boost::json::object{{"path", "/tmp/x.csv"}});
    const auto starts = commands_of<StartAttempt>(f.last);
    REQUIRE(starts.size() == 1);
    CHECK(starts[0].parameters.at("file") == "/tmp/x.csv");
    CHECK(starts[0].parameters.at("symbol") == "AAPL");
}

TEST_CASE("decide: a template that leads nowhere fails the step at once, without retries", "[workflow-decide]") {
    auto b = op("b", {0});
    b.parameters = {{"file", "${steps.a.result.missing}"}};
    b.max_retries = 3;
    Fixture f({op("a"), b});
    f.completed(0, boost::json::object{{"path", "/tmp/x.csv"}});
    CHECK(commands_of<StartAttempt>(f.last).empty());
    CHECK(f.step(1).status == StepStatus::Failed);
    CHECK(f.state.status == WorkflowStatus::Failed);
    CHECK(f.state.error_message.find("'b'") != std::string::npos);
}

TEST_CASE("decide: a failed attempt with retries left waits its backoff, then starts the next attempt",
          "[workflow-decide]") {
    auto a = op("a");
    a.max_retries = 3;
    a.retry_initial = 100ms;
    a.retry_max = 250ms;
    Fixture f({a});
    f.failed(0);
    CHECK(f.step(0).status == StepStatus::Retrying);
    CHECK(f.step(0).next_attempt_at == f.clock.now() + 100ms);
    auto timers = commands_of<ArmTimer>(f.last);
    REQUIRE(timers.size() == 1);
    CHECK(timers[0].timer == Timer{Timer::Kind::Retry, 0, 2});
    CHECK(timers[0].due == f.clock.now() + 100ms);

    // Early: nothing. Due: attempt 2.
    CHECK(f.take(TimerFired{timers[0].timer}).verdict == Decision::Verdict::Ignored);
    f.clock.advance(100ms);
    f.take(TimerFired{timers[0].timer});
    REQUIRE(commands_of<StartAttempt>(f.last).size() == 1);
    CHECK(commands_of<StartAttempt>(f.last)[0].operation_id == "wf_1.a.a2");
    // The same timer again (a duplicate): ignored.
    CHECK(f.take(TimerFired{timers[0].timer}).verdict == Decision::Verdict::Ignored);

    f.failed(0);
    CHECK(f.step(0).next_attempt_at == f.clock.now() + 200ms);
    f.clock.advance(200ms);
    f.take(TimerFired{{Timer::Kind::Retry, 0, 3}});
    f.failed(0);
    CHECK(f.step(0).next_attempt_at == f.clock.now() + 250ms);  // capped
    f.clock.advance(250ms);
    f.take(TimerFired{{Timer::Kind::Retry, 0, 4}});
    f.failed(0, "fourth");
    CHECK(f.step(0).status == StepStatus::Failed);
    CHECK(f.step(0).attempts == 4);
    CHECK(f.state.status == WorkflowStatus::Failed);
    CHECK(f.state.error_message == "step 'a' failed: fourth");
}

TEST_CASE("decide: backoff doubles from the initial delay and stops at the cap", "[workflow-decide]") {
    StepDefinition step;
    step.retry_initial = 1s;
    step.retry_max = 60s;
    CHECK(backoff(step, 1) == 1s);
    CHECK(backoff(step, 2) == 2s);
    CHECK(backoff(step, 3) == 4s);
    CHECK(backoff(step, 7) == 60s);
    CHECK(backoff(step, 1000) == 60s);
}

TEST_CASE("decide: a late answer of an earlier attempt changes nothing", "[workflow-decide]") {
    auto a = op("a");
    a.max_retries = 1;
    a.retry_initial = 10ms;
    Fixture f({a});
    const auto first = f.op_id(0);
    f.failed(0);
    f.clock.advance(10ms);
    f.take(TimerFired{{Timer::Kind::Retry, 0, 2}});
    CHECK(f.op_id(0) == "wf_1.a.a2");
    const auto before = f.state.updated_at;
    f.clock.advance(1ms);
    CHECK(f.take(AttemptEnded{first, OperationStatus::Completed, boost::json::object{}, "", false}).verdict ==
          Decision::Verdict::Ignored);
    CHECK(f.step(0).status == StepStatus::Running);
    CHECK(f.state.updated_at == before);
    // Another workflow's id, or no attempt id at all: ignored too.
    CHECK(f.take(AttemptEnded{"wf_2.a.a2", OperationStatus::Completed, nullptr, "", false}).verdict ==
          Decision::Verdict::Ignored);
    CHECK(f.take(AttemptEnded{"op_123", OperationStatus::Completed, nullptr, "", false}).verdict ==
          Decision::Verdict::Ignored);
}

TEST_CASE("decide: a timed-out attempt is cancelled, and the retry waits until it has stopped", "[workflow-decide]") {
    auto a = op("a");
    a.max_retries = 1;
    a.timeout = 300ms;
    a.retry_initial = 10ms;
    Fixture f({a});
    const auto timers = commands_of<ArmTimer>(f.last);
    REQUIRE(timers.size() == 1);
    CHECK(timers[0].timer == Timer{Timer::Kind::AttemptTimeout, 0, 1});
    CHECK(timers[0].due == f.clock.now() + 300ms);
    f.clock.advance(300ms);
    f.take(TimerFired{timers[0].timer});
    const auto cancels = commands_of<CancelAttempt>(f.last);
    REQUIRE(cancels.size() == 1);
    CHECK(cancels[0].operation_id == "wf_1.a.a1");
    CHECK(commands_of<StartAttempt>(f.last).empty());
    CHECK(f.step(0).status == StepStatus::Running);  // until the cancel is confirmed
    CHECK(f.step(0).stopping);

    f.clock.advance(50ms);
    f.cancelled(0);
    CHECK(f.step(0).status == StepStatus::Retrying);
    CHECK(f.step(0).error_message == "attempt 1 timed out after 0.3 s");
    f.clock.advance(10ms);
    f.take(TimerFired{{Timer::Kind::Retry, 0, 2}});
    CHECK(commands_of<StartAttempt>(f.last).size() == 1);
}

TEST_CASE("decide: an attempt that completes before its cancel lands keeps its result", "[workflow-decide]") {
    auto a = op("a");
    a.timeout = 100ms;
    Fixture f({a});
    f.clock.advance(100ms);
    f.take(TimerFired{{Timer::Kind::AttemptTimeout, 0, 1}});
    f.completed(0, 42);
    CHECK(f.step(0).status == StepStatus::Completed);
    CHECK(f.step(0).result == 42);
    CHECK(f.state.status == WorkflowStatus::Completed);
}

TEST_CASE("decide: a lost worker is a failed attempt, except for a step that is not idempotent", "[workflow-decide]") {
    auto a = op("a");
    a.max_retries = 2;
    auto b = op("b");
    b.max_retries = 2;
    b.idempotent = false;
    Fixture f({a, b});
    f.failed(0, "worker lost", true);
    CHECK(f.step(0).status == StepStatus::Retrying);
    f.failed(1, "worker lost", true);
    CHECK(f.step(1).status == StepStatus::Failed);
    CHECK(f.step(1).error_message.find("not idempotent") != std::string::npos);
    CHECK(f.state.status == WorkflowStatus::Failed);
    CHECK(f.state.error_message.find("step 'b'") == 0);
    // The retrying step is settled as cancelled: it will not start.
    CHECK(f.step(0).status == StepStatus::Cancelled);
}

TEST_CASE("decide: a timed-out attempt of a step that is not idempotent, lost with its worker, is not retried",
          "[workflow-decide]") {
    auto a = op("a");
    a.max_retries = 3;
    a.timeout = 100ms;
    a.idempotent = false;
    Fixture f({a});
    f.clock.advance(100ms);
    f.take(TimerFired{{Timer::Kind::AttemptTimeout, 0, 1}});
    f.failed(0, "worker lost", true);  // the cancel never landed: it may still run there
    CHECK(f.step(0).status == StepStatus::Failed);
    CHECK(commands_of<ArmTimer>(f.last).empty());
}

TEST_CASE("decide: a workflow keeps at most 100 signals no step has taken", "[workflow-decide]") {
    Fixture f({op("a"), signal_step("s", "go", {0})});
    for (int i = 0; i < 100; ++i) REQUIRE(f.take(SignalReceived{"go", i, ""}).verdict == Decision::Verdict::Applied);
    CHECK(f.take(SignalReceived{"go", 100, ""}).verdict == Decision::Verdict::Refused);
    CHECK(f.state.signals.size() == 100);
}

TEST_CASE("decide: a step failing for good cancels live attempts and skips steps not started", "[workflow-decide]") {
    Fixture f({op("a"), op("b"), op("c", {0}), op("d", {1})});
    f.failed(0);
    CHECK(f.state.status == WorkflowStatus::Failed);
    CHECK(f.state.failed_step == 0u);
    const auto cancels = commands_of<CancelAttempt>(f.last);
    REQUIRE(cancels.size() == 1);
    CHECK(cancels[0].operation_id == "wf_1.b.a1");
    CHECK(f.step(1).status == StepStatus::Running);  // until it has stopped
    CHECK(f.step(2).status == StepStatus::Skipped);
    CHECK(f.step(3).status == StepStatus::Skipped);
    CHECK_FALSE(f.state.settled());
    f.cancelled(1);
    CHECK(f.step(1).status == StepStatus::Cancelled);
    CHECK(f.state.settled());
    CHECK(commands_of<StartAttempt>(f.last).empty());
}

TEST_CASE("decide: a cancelled operation (somebody cancelled the attempt itself) fails the step without retries",
          "[workflow-decide]") {
    auto a = op("a");
    a.max_retries = 5;
    Fixture f({a});
    f.cancelled(0);
    CHECK(f.step(0).status == StepStatus::Failed);
    CHECK(f.step(0).error_message == "attempt 1 was cancelled");
}

TEST_CASE("decide: no worker to start an attempt on is a failed attempt", "[workflow-decide]") {
    auto a = op("a");
    a.max_retries = 1;
    Fixture f({a});
    f.take(StartRefused{f.op_id(0), "no registered worker serves domain 'echo'"});
    CHECK(f.step(0).status == StepStatus::Retrying);
    CHECK_FALSE(f.step(0).live);
    CHECK(f.step(0).error_message == "no registered worker serves domain 'echo'");
}

TEST_CASE("decide: a signal before its step waits is buffered, then delivered when it waits", "[workflow-decide]") {
    Fixture f({op("a"), signal_step("approve", "approve", {0}), op("b", {1})});
    f.take(SignalReceived{"approve", boost::json::object{{"by", "ann"}}, ""});
    CHECK(f.last.verdict == Decision::Verdict::Applied);
    CHECK(f.last.delivered_to.empty());
    CHECK(f.step(1).status == StepStatus::Pending);
    f.completed(0);
    // The signal step completes at once with the payload, and its dependant starts in the same decision.
    CHECK(f.step(1).status == StepStatus::Completed);
    CHECK(f.step(1).result.at("by") == "ann");
    const auto starts = commands_of<StartAttempt>(f.last);
    REQUIRE(starts.size() == 1);
    CHECK(starts[0].operation_id == "wf_1.b.a1");
}

TEST_CASE("decide: a signal to a waiting step completes it; a repeated key is delivered once", "[workflow-decide]") {
    Fixture f({signal_step("approve", "approve"), op("b", {0})});
    CHECK(f.step(0).status == StepStatus::Waiting);
    f.take(SignalReceived{"approve", true, "key-1"});
    CHECK(f.last.delivered_to == "approve");
    CHECK(f.step(0).status == StepStatus::Completed);
    CHECK(commands_of<StartAttempt>(f.last).size() == 1);
    const auto signals = f.state.signals.size();
    f.take(SignalReceived{"approve", false, "key-1"});
    CHECK(f.last.verdict == Decision::Verdict::Ignored);
    CHECK(f.last.delivered_to == "approve");
    CHECK(f.state.signals.size() == signals);
    CHECK(f.step(0).result == true);
    // Still answered as the first once the workflow has ended.
    f.completed(1);
    CHECK(f.state.status == WorkflowStatus::Completed);
    CHECK(f.take(SignalReceived{"approve", false, "key-1"}).verdict == Decision::Verdict::Ignored);
    CHECK(f.take(SignalReceived{"approve", false, "key-2"}).verdict == Decision::Verdict::Refused);
}

TEST_CASE("decide: a signal nobody waits for is not found; one to an ended workflow is refused", "[workflow-decide]") {
    Fixture f({signal_step("approve", "approve")});
    CHECK(f.take(SignalReceived{"reject", nullptr, ""}).verdict == Decision::Verdict::NotFound);
    CHECK(f.state.signals.empty());
    f.take(Cancel{});
    CHECK(f.take(SignalReceived{"approve", nullptr, ""}).verdict == Decision::Verdict::Refused);
}

TEST_CASE("decide: a signal step past its timeout fails the workflow", "[workflow-decide]") {
    auto s = signal_step("approve", "approve");
    s.timeout = 1s;
    Fixture f({s});
    const auto timers = commands_of<ArmTimer>(f.last);
    REQUIRE(timers.size() == 1);
    CHECK(timers[0].timer.kind == Timer::Kind::SignalTimeout);
    f.clock.advance(1s);
    f.take(TimerFired{timers[0].timer});
    CHECK(f.step(0).status == StepStatus::Failed);
    CHECK(f.step(0).error_message == "no signal 'approve' arrived within 1 s");
    CHECK(f.state.status == WorkflowStatus::Failed);
}

TEST_CASE("decide: the workflow's timeout fails it and cancels what runs", "[workflow-decide]") {
    Fixture f({op("a")}, 2s);
    f.clock.advance(2s);
    f.take(TimerFired{{Timer::Kind::WorkflowTimeout}});
    CHECK(f.state.status == WorkflowStatus::Failed);
    CHECK(f.state.error_message == "the workflow timed out after 2 s");
    CHECK(commands_of<CancelAttempt>(f.last).size() == 1);
}

TEST_CASE("decide: pause starts nothing new, running steps go on; resume starts what became ready",
          "[workflow-decide]") {
    auto b = op("b");
    b.max_retries = 1;
    b.retry_initial = 10ms;
    Fixture f({op("a"), b, op("c", {0})});
    f.take(Pause{});
    CHECK(f.state.status == WorkflowStatus::Paused);
    CHECK(f.take(Pause{}).verdict == Decision::Verdict::Refused);
    f.completed(0);
    CHECK(f.step(2).status == StepStatus::Pending);
    CHECK(commands_of<StartAttempt>(f.last).empty());
    f.failed(1);
    f.clock.advance(10ms);
    f.take(TimerFired{{Timer::Kind::Retry, 1, 2}});  // due while paused: waits
    CHECK(f.step(1).status == StepStatus::Retrying);
    f.take(Resume{});
    CHECK(f.state.status == WorkflowStatus::Running);
    const auto starts = commands_of<StartAttempt>(f.last);
    REQUIRE(starts.size() == 2);
    CHECK(starts[0].operation_id == "wf_1.b.a2");
    CHECK(starts[1].operation_id == "wf_1.c.a1");
    CHECK(f.take(Resume{}).verdict == Decision::Verdict::Refused);
}

TEST_CASE("decide: cancel cancels live attempts and settles the rest", "[workflow-decide]") {
    Fixture f({op("a"), signal_step("s", "go"), op("c", {0})});
    f.take(Cancel{});
    CHECK(f.state.status == WorkflowStatus::Cancelled);
    CHECK(commands_of<CancelAttempt>(f.last).size() == 1);
    CHECK(f.step(1).status == StepStatus::Cancelled);
    CHECK(f.step(2).status == StepStatus::Cancelled);
    CHECK(f.take(Cancel{}).verdict == Decision::Verdict::Refused);
    // A completion that overtook the cancel keeps its result.
    f.completed(0, 7);
    CHECK(f.step(0).status == StepStatus::Completed);
    CHECK(f.state.status == WorkflowStatus::Cancelled);
    CHECK(f.state.settled());
}

TEST_CASE("decide: recover re-runs the failed step and its dependants with fresh attempts, keeping upstream results",
          "[workflow-decide]") {
    Fixture f({op("a"), op("b", {0}), op("c", {1}), op("d", {0})});
    f.completed(0, 1);
    f.completed(3, 4);
    f.failed(1);
    CHECK(f.state.status == WorkflowStatus::Failed);
    CHECK(f.take(Recover{}).verdict == Decision::Verdict::Applied);
    CHECK(f.last.reset_steps == std::vector<std::string>{"b", "c"});
    CHECK(f.state.status == WorkflowStatus::Recovering);
    CHECK(f.state.recovery_attempts == 1);
    CHECK(f.step(0).result == 1);
    CHECK(f.step(3).result == 4);
    const auto starts = commands_of<StartAttempt>(f.last);
    REQUIRE(starts.size() == 1);
    CHECK(starts[0].operation_id == "wf_1.b.a2");  // ids are never reused
    f.completed(1);
    CHECK(f.state.status == WorkflowStatus::Running);  // the step it recovered from completed
    f.completed(2);
    CHECK(f.state.status == WorkflowStatus::Completed);
}

TEST_CASE("decide: recover from a named step; refused while running, while stopping, and when exhausted",
          "[workflow-decide]") {
    Fixture f({op("a"), op("b", {0})});
    CHECK(f.take(Recover{}).verdict == Decision::Verdict::Refused);
    f.completed(0);
    f.failed(1);
    CHECK(f.take(Recover{std::string("zzz")}).verdict == Decision::Verdict::NotFound);
    f.take(Recover{std::string("a")});
    CHECK(f.last.reset_steps == std::vector<std::string>{"a", "b"});
    CHECK(f.op_id(0) == "wf_1.a.a2");
    f.take(Cancel{});  // a's attempt is live and stopping
    CHECK(f.take(Recover{}).verdict == Decision::Verdict::Refused);
    CHECK(f.last.message.find("still stopping") != std::string::npos);
    f.cancelled(0);
    f.take(Recover{});  // 2 of 3
    f.take(Cancel{});
    f.cancelled(0);
    f.take(Recover{});  // 3 of 3
    f.take(Cancel{});
    f.cancelled(0);
    CHECK(f.take(Recover{}).verdict == Decision::Verdict::Refused);
    CHECK(f.last.message.find("no recovery attempts left (3 of 3 used)") != std::string::npos);
}

TEST_CASE("decide: timers_of arms again what a stored state waits for", "[workflow-decide]") {
    auto a = op("a");
    a.timeout = 5s;
    auto b = op("b");
    b.max_retries = 1;
    Fixture f({a, b, signal_step("s", "go")}, 60s);
    f.failed(1);
    auto timers = timers_of(f.state);
    REQUIRE(timers.size() == 3);
    CHECK(timers[0].timer.kind == Timer::Kind::WorkflowTimeout);
    CHECK(timers[1].timer == Timer{Timer::Kind::AttemptTimeout, 0, 1});
    CHECK(timers[2].timer == Timer{Timer::Kind::Retry, 1, 2});
}

TEST_CASE("workflow state: stored as JSON and read back as it was", "[workflow-decide]") {
    auto s = signal_step("s", "go");
    Fixture f({op("a"), s, op("c", {0, 1})}, 10s);
    f.take(SignalReceived{"go", boost::json::object{{"x", 1}}, "k"});
    f.failed(0, "oops");
    const auto json = to_json(f.state);
    const auto back = state_from_json("wf_1", f.state.definition, json);
    CHECK(to_json(back) == json);
    CHECK(back.steps[0].status == StepStatus::Failed);
    CHECK(back.signals.at(0).idempotency_key == "k");
    CHECK(back.deadline == f.state.deadline);
}

TEST_CASE("attempt ids: made from workflow, step and attempt, and read back", "[workflow-decide]") {
    CHECK(attempt_operation_id("wf_abc", "clean", 3) == "wf_abc.clean.a3");
    const auto attempt = attempt_of("wf_abc.clean.a3");
    REQUIRE(attempt);
    CHECK(attempt->workflow_id == "wf_abc");
    CHECK(attempt->step == "clean");
    CHECK(attempt->attempt == 3);
    CHECK_FALSE(attempt_of("op_abc"));
    CHECK_FALSE(attempt_of("wf_abc.clean"));
    CHECK_FALSE(attempt_of("wf_abc.clean.a0"));
    CHECK_FALSE(attempt_of("wf_abc.clean.ax"));
    CHECK_FALSE(attempt_of("wf_abc..a1"));
}
