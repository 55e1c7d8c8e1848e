#include "backend/api/responses.hpp"
#include "backend/operations/operation_lifecycle.hpp"
#include "tests/support/manual_clock.hpp"

#include <boost/json/parse.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <functional>
#include <optional>
#include <vector>
#include <map>

using namespace fleet;
using namespace fleet::backend;
using namespace std::chrono_literals;
using lifecycle::Outcome;

namespace {

constexpr auto Q = OperationStatus::Queued;
constexpr auto P = OperationStatus::Pending;
constexpr auto R = OperationStatus::Running;
constexpr auto C = OperationStatus::Completed;
constexpr auto F = OperationStatus::Failed;
constexpr auto X = OperationStatus::Cancelled;
constexpr std::optional<OperationStatus> N{};  // refused: no status to reach

WorkerRecord worker(const std::string& id = "w1", const std::string& instance = "i1") {
    WorkerRecord record;
    record.worker_id = id;
    record.instance_id = instance;
    return record;
}

// An operation as it stands in `status`: on a worker while pending or running.
OperationRecord operation(OperationStatus status) {
    OperationRecord record;
    record.operation_id = "op_1";
    record.domain = "echo";
    record.status = status;
    if (status != Q) {
        record.worker_id = "w0";
        record.worker_instance_id = "i0";
        record.attempts = 1;
    }
    return record;
}

boost::json::object view(const std::string& json) { return boost::json::parse(json).as_object(); }

// Everything a client sees of the record, and what only the backend keeps.
void check_same(const OperationRecord& a, const OperationRecord& b) {
    CHECK(to_json(a) == to_json(b));
    CHECK(a.worker_instance_id == b.worker_instance_id);
    CHECK(a.unknown_since == b.unknown_since);
}

void check_queued_without_worker(const OperationRecord& op, int attempts) {
    CHECK(op.status == Q);
    CHECK(op.attempts == attempts);
    CHECK(op.worker_id.empty());
    CHECK(op.worker_instance_id.empty());
}

}  // namespace

TEST_CASE("lifecycle: the whole table of moves", "[lifecycle]") {
    // Unfinished operations may move anywhere an event takes them; finished ones never move.
    const std::map<OperationStatus, std::vector<OperationStatus>> allowed{
        {Q, {Q, P, R, C, F, X}}, {P, {Q, P, R, C, F, X}}, {R, {Q, P, R, C, F, X}}, {C, {}}, {F, {}}, {X, {}},
    };
    for (auto from : lifecycle::kStatuses) {
        for (auto to : lifecycle::kStatuses) {
            const auto& row = allowed.at(from);
            const bool expected = std::find(row.begin(), row.end(), to) != row.end();
            INFO(to_string(from) << " -> " << to_string(to));
            CHECK(lifecycle::allowed(from, to) == expected);
        }
    }
    CHECK(lifecycle::table() ==
          "| from \\ to | queued | pending | running | completed | failed | cancelled |\n"
          "| --- | --- | --- | --- | --- | --- | --- |\n"
          "| queued | stays | yes | yes | yes | yes | yes |\n"
          "| pending | yes | stays | yes | yes | yes | yes |\n"
          "| running | yes | yes | stays | yes | yes | yes |\n"
          "| completed | refused | refused | refused | refused | refused | refused |\n"
          "| failed | refused | refused | refused | refused | refused | refused |\n"
          "| cancelled | refused | refused | refused | refused | refused | refused |\n");
}

TEST_CASE("lifecycle: each event from each status", "[lifecycle]") {
    test::ManualClock clock;
    const auto now = clock.now();
    const auto w = worker();
    using Event = std::function<lifecycle::Move(OperationRecord&)>;
    struct Row {
        const char* name;
        Event event;
        // What the event makes of queued, pending, running (finished ones are always refused).
        std::array<std::optional<OperationStatus>, 3> to;
        std::array<Outcome, 3> outcome;
    };
    const std::vector<Row> rows{
        {"claim", [&](auto& op) { return lifecycle::claim(op, w); }, {P, N, N},
         {Outcome::Applied, Outcome::Refused, Outcome::Refused}},
        {"started", [&](auto& op) { return lifecycle::started(op, now); }, {N, R, R},
         {Outcome::Refused, Outcome::Applied, Outcome::Unchanged}},
        {"undo_claim", [](auto& op) { return lifecycle::undo_claim(op); }, {N, Q, Q},
         {Outcome::Refused, Outcome::Applied, Outcome::Applied}},
        {"requeue", [](auto& op) { return lifecycle::requeue(op); }, {Q, Q, Q},
         {Outcome::Unchanged, Outcome::Applied, Outcome::Applied}},
        {"await_result", [&](auto& op) { return lifecycle::await_result(op, w); }, {R, P, R},
         {Outcome::Applied, Outcome::Unchanged, Outcome::Unchanged}},
        {"finish cancelled", [&](auto& op) { return lifecycle::finish(op, X, "cancelled", now); }, {X, X, X},
         {Outcome::Applied, Outcome::Applied, Outcome::Applied}},
        {"finish running (not an end)", [&](auto& op) { return lifecycle::finish(op, R, "", now); }, {N, N, N},
         {Outcome::Refused, Outcome::Refused, Outcome::Refused}},
        {"fail", [&](auto& op) { return lifecycle::fail(op, "lost", now); }, {F, F, F},
         {Outcome::Applied, Outcome::Applied, Outcome::Applied}},
        {"report running", [&](auto& op) { return lifecycle::apply_worker_view(op, view(R"({"status":"running"})"), now); },
         {N, R, R}, {Outcome::Refused, Outcome::Applied, Outcome::Unchanged}},
        {"report pending", [&](auto& op) { return lifecycle::apply_worker_view(op, view(R"({"status":"pending"})"), now); },
         {N, P, P}, {Outcome::Refused, Outcome::Unchanged, Outcome::Applied}},
        {"report progress only",
         [&](auto& op) { return lifecycle::apply_worker_view(op, view(R"({"progress":{"percentage":5}})"), now); },
         {N, P, R}, {Outcome::Refused, Outcome::Unchanged, Outcome::Unchanged}},
        {"report queued (ignored)",
         [&](auto& op) { return lifecycle::apply_worker_view(op, view(R"({"status":"queued"})"), now); }, {N, P, R},
         {Outcome::Refused, Outcome::Unchanged, Outcome::Unchanged}},
        {"report completed",
         [&](auto& op) { return lifecycle::apply_worker_view(op, view(R"({"status":"completed","result":1})"), now); },
         {C, C, C}, {Outcome::Applied, Outcome::Applied, Outcome::Applied}},
        {"report failed", [&](auto& op) { return lifecycle::apply_worker_view(op, view(R"({"status":"failed"})"), now); },
         {F, F, F}, {Outcome::Applied, Outcome::Applied, Outcome::Applied}},
        {"report cancelled",
         [&](auto& op) { return lifecycle::apply_worker_view(op, view(R"({"status":"cancelled"})"), now); }, {X, X, X},
         {Outcome::Applied, Outcome::Applied, Outcome::Applied}},
    };
    for (const auto& row : rows) {
        for (auto from : lifecycle::kStatuses) {
            INFO(row.name << " from " << to_string(from));
            auto record = operation(from);
            const auto before = record;
            const auto move = row.event(record);
            CHECK(move.from == from);
            if (is_terminal(from)) {
                CHECK(move.outcome == Outcome::Refused);
                check_same(record, before);
                continue;
            }
            const auto index = static_cast<std::size_t>(from);
            CHECK(move.outcome == row.outcome[index]);
            if (move.refused()) {
                check_same(record, before);
            } else {
                REQUIRE(row.to[index]);
                CHECK(record.status == *row.to[index]);
                CHECK(move.to == *row.to[index]);
                CHECK(lifecycle::allowed(from, record.status));
            }
        }
    }
}

TEST_CASE("lifecycle: a claim sets the worker, counts the attempt, and undoing it takes both back", "[lifecycle]") {
    auto op = operation(Q);
    op.unknown_since = SystemTime{1s};
    const auto w = worker("w7", "inst-7");
    REQUIRE(lifecycle::claim(op, w).outcome == Outcome::Applied);
    CHECK(op.status == P);
    CHECK(op.worker_id == "w7");
    CHECK(op.worker_instance_id == "inst-7");
    CHECK(op.attempts == 1);
    CHECK_FALSE(op.unknown_since);
    CHECK_FALSE(op.started_at);

    REQUIRE(lifecycle::undo_claim(op).outcome == Outcome::Applied);
    check_queued_without_worker(op, 0);
}

TEST_CASE("lifecycle: started sets started_at once, at the time passed in", "[lifecycle]") {
    test::ManualClock clock;
    auto op = operation(P);
    REQUIRE(lifecycle::started(op, clock.now()).outcome == Outcome::Applied);
    REQUIRE(op.started_at);
    CHECK(*op.started_at == clock.now());
    const auto first = clock.now();
    clock.advance(5s);
    CHECK(lifecycle::started(op, clock.now()).outcome == Outcome::Unchanged);
    CHECK(*op.started_at == first);
}

TEST_CASE("lifecycle: a requeue keeps the attempts and clears the worker", "[lifecycle]") {
    auto op = operation(R);
    op.attempts = 2;
    REQUIRE(lifecycle::requeue(op).outcome == Outcome::Applied);
    check_queued_without_worker(op, 2);
}

TEST_CASE("lifecycle: a terminal operation told it is running is refused and unchanged", "[lifecycle]") {
    test::ManualClock clock;
    for (auto final : {C, F, X}) {
        auto op = operation(final);
        op.result = 42;
        op.completed_at = clock.now();
        op.started_at = clock.now();
        const auto before = op;
        clock.advance(1s);
        const auto move = lifecycle::apply_worker_view(op, view(R"({"status":"running","progress":{"percentage":9}})"),
                                                       clock.now());
        CHECK(move.outcome == Outcome::Refused);
        CHECK(move.from == final);
        CHECK(move.to == R);
        check_same(op, before);
        CHECK(lifecycle::started(op, clock.now()).refused());
        check_same(op, before);
        CHECK(lifecycle::logged(op, "started", lifecycle::started(op, clock.now())).refused());
    }
}

TEST_CASE("lifecycle: a completion overtaking the start's answer goes from pending to completed", "[lifecycle]") {
    test::ManualClock clock;
    auto op = operation(P);
    clock.advance(3s);
    const auto move = lifecycle::apply_worker_view(
        op, view(R"({"status":"completed","result":{"x":1},"progress":{"percentage":100}})"), clock.now());
    CHECK(move.outcome == Outcome::Applied);
    CHECK(move.from == P);
    CHECK(op.status == C);
    CHECK(op.result.as_object().at("x") == 1);
    CHECK(op.progress.at("percentage") == 100);
    REQUIRE(op.completed_at);
    CHECK(*op.completed_at == clock.now());
    // It ended before the start was answered: it started when it ended.
    CHECK(op.started_at == op.completed_at);
    // The start's answer, arriving after, cannot take it back to running.
    CHECK(lifecycle::started(op, clock.now()).refused());
    CHECK(op.status == C);
}

TEST_CASE("lifecycle: an end keeps an earlier started_at", "[lifecycle]") {
    test::ManualClock clock;
    auto op = operation(P);
    lifecycle::started(op, clock.now());
    const auto began = clock.now();
    clock.advance(10s);
    REQUIRE(lifecycle::apply_worker_view(op, view(R"({"status":"failed","error_message":"boom"})"), clock.now())
                .outcome == Outcome::Applied);
    CHECK(*op.started_at == began);
    CHECK(*op.completed_at == clock.now());
    CHECK(op.error_message == "boom");
}

TEST_CASE("lifecycle: a requeued operation only takes a final report", "[lifecycle]") {
    test::ManualClock clock;
    auto op = operation(R);
    lifecycle::requeue(op);
    const auto before = op;
    for (const char* report : {R"({"status":"running","progress":{"percentage":50}})", R"({"status":"pending"})",
                               R"({"progress":{"percentage":50}})", R"({"status":"queued"})", R"({"status":"nonsense"})"}) {
        INFO(report);
        const auto move = lifecycle::apply_worker_view(op, view(report), clock.now());
        CHECK(move.refused());
        CHECK(move.from == Q);
        check_same(op, before);
    }
    clock.advance(2s);
    const auto move = lifecycle::apply_worker_view(op, view(R"({"status":"completed","result":"done"})"), clock.now());
    CHECK(move.outcome == Outcome::Applied);
    CHECK(op.status == C);
    CHECK(op.result == "done");
    CHECK(*op.completed_at == clock.now());
    CHECK(*op.started_at == clock.now());
    CHECK(op.worker_id.empty());  // a requeued operation no longer names the worker that did it
}

TEST_CASE("lifecycle: a requeued operation ended elsewhere with its result to follow is held by that worker",
          "[lifecycle]") {
    auto op = operation(R);
    lifecycle::requeue(op);
    const auto w = worker("w2", "i2");
    const auto move = lifecycle::await_result(op, w);
    CHECK(move.outcome == Outcome::Applied);
    CHECK(op.status == R);
    CHECK(op.worker_id == "w2");
    CHECK(op.worker_instance_id == "i2");
    CHECK_FALSE(op.started_at);

    // Pending on that worker: stays pending, takes its new instance.
    auto pending = operation(P);
    pending.worker_id = "w2";
    CHECK(lifecycle::await_result(pending, w).outcome == Outcome::Unchanged);
    CHECK(pending.status == P);
    CHECK(pending.worker_instance_id == "i2");
}

TEST_CASE("lifecycle: finish and fail set the error and completed_at; only finish fills started_at", "[lifecycle]") {
    test::ManualClock clock;
    auto queued = operation(Q);
    clock.advance(1s);
    REQUIRE(lifecycle::finish(queued, X, "cancelled while queued", clock.now()).outcome == Outcome::Applied);
    CHECK(queued.error_message == "cancelled while queued");
    CHECK(*queued.completed_at == clock.now());
    CHECK(*queued.started_at == clock.now());

    // A start the worker refused never ran: failed with no start time.
    auto refused = operation(P);
    REQUIRE(lifecycle::fail(refused, "bad parameters", clock.now()).outcome == Outcome::Applied);
    CHECK(refused.status == F);
    CHECK(refused.error_message == "bad parameters");
    CHECK(*refused.completed_at == clock.now());
    CHECK_FALSE(refused.started_at);
    CHECK(refused.worker_id == "w0");  // a failure keeps who had it

    // Failing a finished operation is refused.
    const auto before = refused;
    clock.advance(1s);
    CHECK(lifecycle::fail(refused, "again", clock.now()).refused());
    check_same(refused, before);
}

TEST_CASE("lifecycle: a worker report takes progress, result and error; an empty error clears it", "[lifecycle]") {
    test::ManualClock clock;
    auto op = operation(R);
    op.error_message = "old";
    CHECK(lifecycle::apply_worker_view(op, view(R"({"progress":{"percentage":40},"error_message":null})"), clock.now())
              .outcome == Outcome::Unchanged);
    CHECK(op.progress.at("percentage") == 40);
    CHECK(op.error_message.empty());
    CHECK_FALSE(op.completed_at);
}

TEST_CASE("lifecycle: progress that is not well formed is left out, and says why", "[lifecycle]") {
    test::ManualClock clock;
    const auto problem = [](const char* progress) { return lifecycle::progress_problem(view(progress)); };
    CHECK_FALSE(problem(R"({})"));
    CHECK_FALSE(problem(R"({"percentage":0,"current_step":"","estimated_remaining_seconds":null,"engine":"own"})"));
    CHECK_FALSE(problem(R"({"percentage":100.0,"estimated_remaining_seconds":2.5})"));
    CHECK(problem(R"({"percentage":"abc"})") == "'progress.percentage' must be a number");
    CHECK(problem(R"({"percentage":100.5})") == "'progress.percentage' must be from 0 to 100");
    CHECK(problem(R"({"percentage":-1})") == "'progress.percentage' must be from 0 to 100");
    CHECK(problem(R"({"current_step":5})") == "'progress.current_step' must be a string");
    CHECK(problem(R"({"estimated_remaining_seconds":"soon"})") ==
          "'progress.estimated_remaining_seconds' must be a number or null");

    // A refresh from a worker with such progress takes the rest of the view, not the progress.
    auto op = operation(R);
    op.progress = {{"percentage", 10}};
    const auto completed = view(R"({"status":"completed","progress":{"percentage":"abc"}})");
    CHECK(lifecycle::apply_worker_view(op, completed, clock.now()).outcome == Outcome::Applied);
    CHECK(op.status == C);
    CHECK(op.progress.at("percentage") == 10);
}

TEST_CASE("lifecycle: outcomes have names", "[lifecycle]") {
    CHECK(lifecycle::to_string(Outcome::Applied) == "applied");
    CHECK(lifecycle::to_string(Outcome::Unchanged) == "unchanged");
    CHECK(lifecycle::to_string(Outcome::Refused) == "refused");
}
