// The chaos run's audit and plan, on tables: what counts as lost, run twice,
// retried, overruled or a disagreement (proto_docs/chaos.md).
#include "tools/chaos/audit.hpp"
#include "tools/chaos/chaos_plan.hpp"
#include "tools/chaos/load.hpp"

#include <catch2/catch.hpp>

using namespace fleet;
using namespace fleet::chaos;
using Entry = worker::RunLogEntry;

namespace {

Submission acknowledged_run(std::size_t index, const std::string& id) {
    Submission submission;
    submission.index = index;
    submission.outcome = Submission::Outcome::Acknowledged;
    submission.id = id;
    submission.tries = 1;
    return submission;
}

BackendOperation backend(const std::string& id, OperationStatus status, const std::string& error = {}) {
    BackendOperation operation;
    operation.id = id;
    operation.status = status;
    operation.error_message = error;
    operation.attempts = 1;
    return operation;
}

Entry start(const std::string& id, pid_t pid, std::int64_t at) {
    return {Entry::Kind::Start, id, "w" + std::to_string(pid), pid, at, std::nullopt};
}

Entry end(const std::string& id, pid_t pid, std::int64_t at, OperationStatus status) {
    return {Entry::Kind::End, id, "w" + std::to_string(pid), pid, at, status};
}

}  // namespace

TEST_CASE("chaos audit: acknowledged runs found in the backend are counted by status; a missing one is lost",
          "[chaos]") {
    AuditInput input;
    input.submissions = {acknowledged_run(0, "op_a"), acknowledged_run(1, "op_b"), acknowledged_run(2, "op_c"),
                         acknowledged_run(3, "op_gone")};
    Submission unanswered;
    unanswered.index = 4;
    input.submissions.push_back(unanswered);
    input.operations = {{"op_a", backend("op_a", OperationStatus::Completed)},
                        {"op_b", backend("op_b", OperationStatus::Failed, "worker chaos-echo-1 was lost: refused")},
                        {"op_c", backend("op_c", OperationStatus::Running)}};
    input.run_log = {start("op_a", 10, 100), end("op_a", 10, 200, OperationStatus::Completed)};

    const auto report = audit(input);
    CHECK(report.submitted == 5);
    CHECK(report.acknowledged == 4);
    CHECK(report.unacknowledged == 1);
    CHECK(report.completed == 1);
    CHECK(report.failed == 1);
    CHECK(report.failed_reasons.at("worker # was lost: refused") == 1);
    CHECK(report.still_running == 1);
    CHECK(report.lost == 1);
    CHECK(report.duplicates == 0);
    CHECK_FALSE(report.passed());
}

TEST_CASE("chaos audit: two completions, or two runs at once, are duplicates; a run after a kill is a retry",
          "[chaos]") {
    AuditInput input;
    input.operations = {{"op_twice", backend("op_twice", OperationStatus::Completed)},
                        {"op_overlap", backend("op_overlap", OperationStatus::Failed, "worker w1 was lost")},
                        {"op_retried", backend("op_retried", OperationStatus::Completed)}};
    input.run_log = {start("op_twice", 1, 100),   end("op_twice", 1, 150, OperationStatus::Completed),
                     start("op_twice", 2, 200),   end("op_twice", 2, 250, OperationStatus::Completed),
                     start("op_overlap", 1, 100), start("op_overlap", 2, 150),
                     start("op_retried", 3, 100), start("op_retried", 4, 500),
                     end("op_retried", 4, 600, OperationStatus::Completed)};
    input.deaths_ms = {{3, 300}};  // pid 3 killed at 300, before pid 4 began; pids 1 and 2 never died

    const auto report = audit(input);
    CHECK(report.duplicates == 2);
    CHECK(report.retried == 1);
    CHECK(report.retried_reasons.at("started again after its worker was killed") == 1);
    CHECK_FALSE(report.passed());
}

TEST_CASE("chaos audit: the backend and the worker must agree, except on work the backend declared lost",
          "[chaos]") {
    AuditInput input;
    input.operations = {{"op_same", backend("op_same", OperationStatus::Completed)},
                        {"op_overruled", backend("op_overruled", OperationStatus::Failed, "worker w1 was lost: timeout")},
                        {"op_killed", backend("op_killed", OperationStatus::Failed, "worker w2 restarted without it")},
                        {"op_differs", backend("op_differs", OperationStatus::Failed, "worker w1 restarted without it")},
                        {"op_phantom", backend("op_phantom", OperationStatus::Completed)}};
    input.run_log = {start("op_same", 1, 100),      end("op_same", 1, 200, OperationStatus::Completed),
                     start("op_overruled", 1, 100), end("op_overruled", 1, 9000, OperationStatus::Completed),
                     start("op_killed", 2, 100),    start("op_differs", 1, 100),
                     end("op_differs", 1, 200, OperationStatus::Completed),
                     start("op_unknown", 1, 300)};
    input.deaths_ms = {{2, 150}};
    input.listings = {{"w1", "op_unknown", OperationStatus::Running}};

    const auto report = audit(input);
    CHECK(report.overruled == 1);
    // op_differs (failed, completed on a worker nobody declared lost), op_phantom (completed, never ran),
    // op_unknown (ran, the backend never heard of it).
    CHECK(report.disagreements == 3);
    CHECK(report.problems.size() == 3);
    CHECK_FALSE(report.passed());
}

TEST_CASE("chaos audit: error messages count by their words, not their ids", "[chaos]") {
    CHECK(reason_of("worker chaos-echo-1 was lost: connect to http://127.0.0.1:4312: Connection refused") ==
          "worker # was lost: connect to # Connection refused");
    CHECK(reason_of("") == "(no message)");
}

TEST_CASE("chaos plan and load: the same seed gives the same actions and requests", "[chaos]") {
    PlanSettings settings;
    settings.seed = 7;
    settings.duration = std::chrono::seconds(60);
    const auto plan = make_plan(settings);
    const auto again = make_plan(settings);
    REQUIRE(plan.size() == again.size());
    for (std::size_t i = 0; i < plan.size(); ++i) {
        CHECK(plan[i].at == again[i].at);
        CHECK(plan[i].kind == again[i].kind);
        CHECK(plan[i].worker == again[i].worker);
        CHECK(plan[i].down == again[i].down);
        CHECK(plan[i].at >= std::chrono::seconds(6));
        CHECK(plan[i].at <= std::chrono::seconds(54));
        CHECK(plan[i].worker < settings.workers);
    }
    CHECK(std::is_sorted(plan.begin(), plan.end(), [](const auto& a, const auto& b) { return a.at < b.at; }));
    std::map<ActionKind, int> kinds;
    for (const auto& action : plan) ++kinds[action.kind];
    CHECK(kinds[ActionKind::KillWorker] == 7);  // 60 s / 8 s
    CHECK(kinds[ActionKind::KillBackend] == 1);
    CHECK(kinds[ActionKind::PauseWorker] == 2);

    LoadSettings load;
    load.seed = 7;
    load.types = {"echo", "backtest", "data_processing"};
    load.data_directory = "/data";
    for (std::size_t i = 0; i < 20; ++i) {
        const auto a = make_request(load, i);
        const auto b = make_request(load, i);
        CHECK(a.body == b.body);
        CHECK(a.path == b.path);
        CHECK(a.idempotency_key == b.idempotency_key);
        if (a.kind == Submission::Kind::Run) CHECK(a.idempotency_key == "chaos-7-" + std::to_string(i));
    }
}
