// Admin runs: the words a run is shown in (pure mapping from its operation),
// and the decisions of a new run (overlap, Idempotency-Key), with time passed in.
#include "backend/admin/admin_run.hpp"
#include "backend/admin/run_rules.hpp"
#include "common/json/time.hpp"
#include "common/run_status.hpp"
#include "backend/storage/admin_run_repository.hpp"
#include "tests/support/manual_clock.hpp"
#include "tests/support/test_storage.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <limits>

using namespace fleet;
using namespace fleet::backend;
using namespace std::chrono_literals;

namespace {

AdminRun run_with(OperationStatus status, double percentage, SystemTime created) {
    AdminRun run;
    run.record.run_id = "op_1";
    run.record.bot = "echo";
    run.record.params = {{"steps", 4}};
    run.record.created_at = created;
    run.operation.operation_id = "op_1";
    run.operation.status = status;
    run.operation.progress = {{"percentage", percentage}, {"current_step", "step 2 of 4"}};
    run.operation.created_at = created;
    run.operation.updated_at = created;
    return run;
}

}  // namespace

TEST_CASE("run words: every operation status has one run status, queued included", "[admin-runs]") {
    CHECK(run_status_of(OperationStatus::Queued) == RunStatus::Pending);
    CHECK(run_status_of(OperationStatus::Pending) == RunStatus::Pending);
    CHECK(run_status_of(OperationStatus::Running) == RunStatus::Running);
    CHECK(run_status_of(OperationStatus::Completed) == RunStatus::Finished);
    CHECK(run_status_of(OperationStatus::Failed) == RunStatus::Failed);
    CHECK(run_status_of(OperationStatus::Cancelled) == RunStatus::Cancelled);
    for (auto status : {RunStatus::Pending, RunStatus::Running, RunStatus::Finished, RunStatus::Failed,
                        RunStatus::Cancelled}) {
        CHECK(parse_run_status(to_string(status)) == status);
        // The operations a status filter stands for map back to it.
        const auto statuses = operation_statuses_of(status);
        CHECK(run_status_of(statuses.first) == status);
        CHECK(run_status_of(statuses.second) == status);
    }
    CHECK_FALSE(parse_run_status("completed"));  // the operation's word, not the run's
    CHECK_FALSE(parse_run_status("queued"));
    CHECK_FALSE(parse_run_status("Finished"));
}

TEST_CASE("run progress: whole numbers 0-99 until finished, 100 only when finished", "[admin-runs]") {
    CHECK(run_progress(RunStatus::Pending, 0) == 0);
    CHECK(run_progress(RunStatus::Running, 42.9) == 42);
    CHECK(run_progress(RunStatus::Running, 99.99) == 99);
    CHECK(run_progress(RunStatus::Running, 100) == 99);
    CHECK(run_progress(RunStatus::Running, 250) == 99);
    CHECK(run_progress(RunStatus::Running, -3) == 0);
    CHECK(run_progress(RunStatus::Running, std::nan("")) == 0);
    CHECK(run_progress(RunStatus::Running, std::numeric_limits<double>::infinity()) == 0);
    CHECK(run_progress(RunStatus::Finished, 0) == 100);
    CHECK(run_progress(RunStatus::Finished, 37) == 100);
    // A failed or cancelled run keeps where it stopped.
    CHECK(run_progress(RunStatus::Failed, 57.5) == 57);
    CHECK(run_progress(RunStatus::Cancelled, 100) == 99);
}

TEST_CASE("run duration: none before the start, to now while it runs, to the end after", "[admin-runs]") {
    const SystemTime t0{std::chrono::seconds(1'800'000'000)};
    CHECK_FALSE(run_duration_seconds(std::nullopt, std::nullopt, t0));
    CHECK(run_duration_seconds(t0, std::nullopt, t0 + 1500ms).value() == Approx(1.5));
    CHECK(run_duration_seconds(t0, t0 + 2250ms, t0 + 1h).value() == Approx(2.25));
    CHECK(run_duration_seconds(t0 + 1s, t0, t0).value() == Approx(0));  // clocks that went back do not go negative
}

TEST_CASE("run view: an operation in the admin's words at a given time", "[admin-runs]") {
    test::ManualClock clock;
    const auto created = clock.now();

    SECTION("queued: pending, no start, no duration, no counters") {
        const auto view = view_of(run_with(OperationStatus::Queued, 0, created), clock.now());
        CHECK(view.status == RunStatus::Pending);
        CHECK(view.progress == 0);
        CHECK_FALSE(view.started_at);
        CHECK_FALSE(view.finished_at);
        CHECK_FALSE(view.duration_seconds);
        CHECK(view.counters.is_null());
    }
    SECTION("running at 100%: still 99, and the duration grows with the clock") {
        auto run = run_with(OperationStatus::Running, 100, created);
        run.operation.started_at = created;
        clock.advance(3s);
        const auto view = view_of(run, clock.now());
        CHECK(view.status == RunStatus::Running);
        CHECK(view.progress == 99);
        CHECK(view.current_step == "step 2 of 4");
        CHECK(view.duration_seconds.value() == Approx(3.0));
        CHECK_FALSE(view.finished_at);
    }
    SECTION("completed: finished, 100, the result as counters, duration to the end") {
        auto run = run_with(OperationStatus::Completed, 80, created);
        run.operation.started_at = created + 1s;
        run.operation.completed_at = created + 5s;
        run.operation.result = {{"rows", 12}};
        clock.advance(1h);
        const auto view = view_of(run, clock.now());
        CHECK(view.status == RunStatus::Finished);
        CHECK(view.progress == 100);
        CHECK(view.counters.as_object().at("rows") == 12);
        CHECK(view.finished_at == created + 5s);
        CHECK(view.duration_seconds.value() == Approx(4.0));
    }
    SECTION("failed: the progress it had, the error, no counters") {
        auto run = run_with(OperationStatus::Failed, 63.2, created);
        run.operation.started_at = created;
        run.operation.completed_at = created + 2s;
        run.operation.error_message = "no disk";
        const auto view = view_of(run, clock.now());
        CHECK(view.status == RunStatus::Failed);
        CHECK(view.progress == 63);
        CHECK(view.error_message == "no disk");
        CHECK(view.counters.is_null());
    }
}

TEST_CASE("overlap: allowed with a warning, refused when strict, nothing without another run", "[admin-runs]") {
    using run_rules::Overlap;
    CHECK(run_rules::decide_overlap(false, false) == Overlap::None);
    CHECK(run_rules::decide_overlap(false, true) == Overlap::None);
    CHECK(run_rules::decide_overlap(true, false) == Overlap::Warn);
    CHECK(run_rules::decide_overlap(true, true) == Overlap::Refuse);
    CHECK(run_rules::overlap_message("echo", "op_7", "running") == "bot 'echo' already has run op_7 running");
}

TEST_CASE("idempotency: same request replays, another is refused, an old key is free again", "[admin-runs]") {
    using run_rules::Key;
    test::ManualClock clock;
    const auto fingerprint = run_rules::request_fingerprint("echo", {{"steps", 3}}, false, "");
    AdminRunRecord holder;
    holder.run_id = "op_first";
    holder.fingerprint = fingerprint;
    holder.created_at = clock.now();
    const auto ttl = std::chrono::seconds(24h);

    CHECK(run_rules::decide_key(std::nullopt, fingerprint, clock.now(), ttl) == Key::New);
    CHECK(run_rules::decide_key(holder, fingerprint, clock.now(), ttl) == Key::Replay);
    const auto other = run_rules::request_fingerprint("echo", {{"steps", 4}}, false, "");
    CHECK(run_rules::decide_key(holder, other, clock.now(), ttl) == Key::Mismatch);
    clock.advance(24h - 1ms);
    CHECK(run_rules::decide_key(holder, fingerprint, clock.now(), ttl) == Key::Replay);
    clock.advance(1ms);
    CHECK(run_rules::decide_key(holder, fingerprint, clock.now(), ttl) == Key::Expired);
    CHECK(run_rules::decide_key(holder, other, clock.now(), ttl) == Key::Expired);
}

TEST_CASE("request fingerprint: key order does not matter, every field does", "[admin-runs]") {
    const boost::json::object a{{"steps", 3}, {"duration_ms", 10}, {"nested", {{"x", 1}, {"y", {1, 2}}}}};
    const boost::json::object b{{"nested", {{"y", {1, 2}}, {"x", 1}}}, {"duration_ms", 10}, {"steps", 3}};
    const auto fp = run_rules::request_fingerprint("echo", a, false, "");
    CHECK(fp.size() == 16);
    CHECK(run_rules::request_fingerprint("echo", b, false, "") == fp);
    CHECK(run_rules::request_fingerprint("backtest", a, false, "") != fp);
    CHECK(run_rules::request_fingerprint("echo", a, true, "") != fp);
    CHECK(run_rules::request_fingerprint("echo", a, false, "op_1") != fp);
    const boost::json::object c{{"steps", 3}, {"duration_ms", 10}, {"nested", {{"x", 1}, {"y", {2, 1}}}}};
    CHECK(run_rules::request_fingerprint("echo", c, false, "") != fp);  // arrays keep their order
}

TEST_CASE("parse_iso8601: the forms a `since` takes, and nothing else", "[admin-runs][iso8601]") {
    const SystemTime day = std::chrono::sys_days{std::chrono::year{2026} / 11 / 30};
    CHECK(json::parse_iso8601("2026-11-30") == day);
    CHECK(json::parse_iso8601("2026-11-30T02:03:04Z") == day + 2h + 3min + 4s);
    CHECK(json::parse_iso8601("2026-11-30T02:03:04.5Z") == day + 2h + 3min + 4s + 500ms);
    CHECK(json::parse_iso8601("2026-11-30T02:03:04.123456Z") == day + 2h + 3min + 4s + 123ms);
    CHECK(json::parse_iso8601("2026-11-30T02:03:04") == day + 2h + 3min + 4s);
    CHECK(json::parse_iso8601("2026-11-30T04:03:04+02:00") == day + 2h + 3min + 4s);
    CHECK(json::parse_iso8601("2026-11-29T23:03:04-03:00") == day + 2h + 3min + 4s);
    // Years a SystemTime cannot hold are held at its ends, not wrapped round.
    CHECK(json::parse_iso8601("2999-01-01T00:00:00Z") > json::parse_iso8601("2200-01-01"));
    CHECK(json::parse_iso8601("1000-01-01") < json::parse_iso8601("1970-01-01"));
    // What to_iso8601 writes reads back.
    const SystemTime t = day + 17h + 1min + 2s + 345ms;
    CHECK(json::parse_iso8601(to_iso8601(t)) == t);
    for (const char* bad : {"", "yesterday", "2026-13-01", "2026-02-30", "2026-11-30T25:00:00Z", "2026-11-30T02:03Z",
                            "2026-11-30T02:03:04ZZ", "2026-11-30T02:03:04.Z", "2026-11-30T02:03:04+2", "1732932184"})
        CHECK_FALSE(json::parse_iso8601(bad));
}

TEST_CASE("admin run repository: stored beside the operation, listed by the operation's status", "[admin-runs]") {
    test::Storage store(":memory:");
    AdminRunRepository runs(store.database);
    const SystemTime t0{std::chrono::seconds(1'800'000'000)};
    const auto add = [&](const std::string& id, const std::string& bot, OperationStatus status, SystemTime at,
                         const std::string& key = {}) {
        OperationRecord operation;
        operation.operation_id = id;
        operation.domain = bot;
        operation.operation_type = bot;
        operation.status = status;
        operation.created_at = operation.updated_at = at;
        if (is_terminal(status)) operation.completed_at = at;
        REQUIRE(store.operations.insert(operation) == OperationRepository::Insert::Inserted);
        AdminRunRecord run;
        run.run_id = id;
        run.bot = bot;
        run.params = {{"steps", 3}, {"note", "as given"}};
        run.idempotency_key = key;
        run.fingerprint = run_rules::request_fingerprint(bot, run.params, false, "");
        run.created_at = at;
        runs.insert(run);
    };
    add("op_a", "echo", OperationStatus::Completed, t0, "key-a");
    add("op_b", "echo", OperationStatus::Queued, t0 + 1s);
    add("op_c", "backtest", OperationStatus::Running, t0 + 2s);
    add("op_d", "echo", OperationStatus::Pending, t0 + 3s);

    const auto found = runs.find("op_a");
    REQUIRE(found);
    CHECK(found->bot == "echo");
    CHECK(found->params.at("note") == "as given");
    CHECK(found->idempotency_key == "key-a");
    CHECK(found->created_at == t0);
    CHECK(runs.find_by_key("key-a")->run_id == "op_a");
    CHECK_FALSE(runs.find_by_key("key-b"));
    CHECK_FALSE(runs.find("op_nobody"));

    const auto active = runs.load_active();
    REQUIRE(active.size() == 3);
    CHECK(active[0] == std::pair<std::string, std::string>{"op_b", "echo"});

    const auto ids = [&](RunQuery query) {
        std::vector<std::string> out;
        for (const auto& run : runs.list(query).runs) out.push_back(run.run_id);
        return out;
    };
    CHECK(ids({}) == std::vector<std::string>{"op_d", "op_c", "op_b", "op_a"});
    CHECK(runs.list({}).total == 4);
    RunQuery pending;
    pending.status = RunStatus::Pending;  // queued and pending operations alike
    CHECK(ids(pending) == std::vector<std::string>{"op_d", "op_b"});
    RunQuery echo_finished;
    echo_finished.bot = "echo";
    echo_finished.status = RunStatus::Finished;
    CHECK(ids(echo_finished) == std::vector<std::string>{"op_a"});
    RunQuery recent;
    recent.since = t0 + 2s;
    CHECK(ids(recent) == std::vector<std::string>{"op_d", "op_c"});
    RunQuery page;
    page.limit = 2;
    page.offset = 1;
    CHECK(ids(page) == std::vector<std::string>{"op_c", "op_b"});
    CHECK(runs.list(page).total == 4);

    // An expired key is forgotten: free for a new run.
    runs.forget_key("op_a");
    CHECK_FALSE(runs.find_by_key("key-a"));
    // Retention deletes the operation: its run goes with it.
    CHECK(store.operations.delete_finished_before(t0 + 1h, 10) == std::vector<std::string>{"op_a"});
    CHECK_FALSE(runs.find("op_a"));
    CHECK(runs.list({}).total == 3);
}
