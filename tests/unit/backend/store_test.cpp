#include "backend/storage/migrations.hpp"
#include "tests/support/test_storage.hpp"
#include "tests/unit/backend/store_records.hpp"

#include <boost/json/parse.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <limits>
#include <map>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

using fleet::backend::OperationQuery;
using fleet::backend::parse_cursor;
using fleet::backend::OperationRepository;
using namespace fleet::test;

namespace {

OperationRecord ended(std::string id, OperationStatus status, std::int64_t completed_ms) {
    auto op = operation(std::move(id), "echo", status, "w1", completed_ms - 10);
    op.completed_at = at(completed_ms);
    return op;
}

void insert(Storage& store, const OperationRecord& operation) {
    INFO("operation " << operation.operation_id);
    REQUIRE(store.operations.insert(operation) == OperationRepository::Insert::Inserted);
}

}  // namespace

TEST_CASE("store: a worker reads back exactly as saved", "[store]") {
    Storage store(":memory:");
    CHECK(store.workers.load_all().empty());
    const auto worker = full_worker();
    store.workers.save(worker);
    const auto loaded = store.workers.load_all();
    REQUIRE(loaded.size() == 1);
    check_equal(loaded[0], worker);

    SECTION("empty optionals and empty lists stay empty") {
        WorkerRecord sparse;
        sparse.worker_id = "echo-1";
        sparse.status = WorkerStatus::Draining;
        store.workers.save(sparse);
        const auto workers = store.workers.load_all();
        REQUIRE(workers.size() == 2);
        const auto& found = workers[0].worker_id == "echo-1" ? workers[0] : workers[1];
        check_equal(found, sparse);
        CHECK_FALSE(found.last_health_check.has_value());
        CHECK_FALSE(found.unavailable_since.has_value());
        CHECK(found.operations.empty());
    }
}

TEST_CASE("store: saving a worker again replaces it, deleting removes it", "[store]") {
    Storage store(":memory:");
    store.workers.save(full_worker("a"));
    store.workers.save(full_worker("b"));

    auto changed = full_worker("a");
    changed.status = WorkerStatus::Available;
    changed.operations.clear();
    changed.last_health_check.reset();
    changed.unavailable_since.reset();
    changed.health_check_failures = 0;
    changed.capabilities = {{"cores", 2}};
    store.workers.save(changed);

    auto workers = store.workers.load_all();
    REQUIRE(workers.size() == 2);
    const auto& a = workers[0].worker_id == "a" ? workers[0] : workers[1];
    check_equal(a, changed);

    store.workers.remove("a");
    store.workers.remove("never-registered");
    workers = store.workers.load_all();
    REQUIRE(workers.size() == 1);
    CHECK(workers[0].worker_id == "b");
}

TEST_CASE("store: an operation reads back exactly as saved", "[store]") {
    Storage store(":memory:");
    CHECK_FALSE(store.operations.find("op-full").has_value());

    SECTION("every field set, JSON object result") {
        const auto op = full_operation();
        insert(store, op);
        const auto found = store.operations.find(op.operation_id);
        REQUIRE(found);
        check_equal(*found, op);
    }
    SECTION("null result, empty objects, empty optionals") {
        OperationRecord op = operation("op-queued", "echo", OperationStatus::Queued, "", 5);
        insert(store, op);
        const auto found = store.operations.find("op-queued");
        REQUIRE(found);
        check_equal(*found, op);
        CHECK(found->result.is_null());
        CHECK_FALSE(found->started_at.has_value());
        CHECK_FALSE(found->unknown_since.has_value());
        CHECK(found->worker_id.empty());
    }
    SECTION("a result that is a scalar or an array") {
        int n = 0;
        for (const auto& result : {boost::json::value("plain text"), boost::json::value(-0.1),
                                   boost::json::parse("[1, 2.5, \"x\", null, {}]")}) {
            auto op = full_operation("op-" + std::to_string(++n));
            op.result = result;
            insert(store, op);
            const auto found = store.operations.find(op.operation_id);
            REQUIRE(found);
            CHECK(found->result == result);
        }
    }
    SECTION("times keep their milliseconds, before and after the epoch") {
        auto op = full_operation();
        op.created_at = SystemTime{milliseconds(-1)};
        op.updated_at = SystemTime{milliseconds(0)};
        op.completed_at = SystemTime{milliseconds(7'258'118'399'999)};  // 2199-12-31T23:59:59.999Z
        insert(store, op);
        const auto found = store.operations.find(op.operation_id);
        REQUIRE(found);
        CHECK(found->created_at == op.created_at);
        CHECK(found->updated_at == op.updated_at);
        CHECK(found->completed_at == op.completed_at);
    }
    SECTION("an update replaces every field but those fixed at creation") {
        const auto first = full_operation();
        insert(store, first);
        auto op = operation("op-full", "echo", OperationStatus::Failed, "w9", 77);
        op.error_message = "lost";
        store.operations.update(op);
        const auto found = store.operations.find("op-full");
        REQUIRE(found);
        // What a request set once: the update leaves it (and its indexes) alone.
        op.domain = first.domain;
        op.operation_type = first.operation_type;
        op.requirements = first.requirements;
        op.parameters = first.parameters;
        op.max_retries = first.max_retries;
        op.created_at = first.created_at;
        check_equal(*found, op);
    }
}

TEST_CASE("store: random doubles survive the JSON text exactly", "[store]") {
    Storage store(":memory:");
    std::mt19937_64 random(7);
    auto op = full_operation();
    boost::json::array values;
    for (int i = 0; i < 2000; ++i) {
        double d = 0;
        do {
            const auto bits = random();
            std::memcpy(&d, &bits, sizeof d);
        } while (!std::isfinite(d));
        values.emplace_back(d);
    }
    op.result = values;
    insert(store, op);
    const auto found = store.operations.find(op.operation_id);
    REQUIRE(found);
    CHECK(found->result == op.result);
}

TEST_CASE("store: unfinished operations are the queued, pending and running ones", "[store]") {
    Storage store(":memory:");
    insert(store, operation("q", "echo", OperationStatus::Queued, "", 4));
    insert(store, operation("p", "echo", OperationStatus::Pending, "w1", 3));
    insert(store, operation("r", "echo", OperationStatus::Running, "w1", 2));
    insert(store, operation("c", "echo", OperationStatus::Completed, "w1", 1));
    insert(store, operation("f", "echo", OperationStatus::Failed, "w1", 0));
    insert(store, operation("x", "echo", OperationStatus::Cancelled, "", 5));

    auto unfinished = ids(store.operations.load_unfinished());
    std::sort(unfinished.begin(), unfinished.end());
    CHECK(unfinished == std::vector<std::string>{"p", "q", "r"});
}

TEST_CASE("store: list_operations filters, pages and orders newest first", "[store]") {
    Storage store(":memory:");
    insert(store, operation("a", "echo", OperationStatus::Completed, "w1", 1));
    insert(store, operation("b", "echo", OperationStatus::Running, "w2", 2));
    insert(store, operation("c", "backtest", OperationStatus::Running, "w1", 3));
    insert(store, operation("d", "backtest", OperationStatus::Queued, "", 4));
    insert(store, operation("e", "echo", OperationStatus::Running, "w1", 5));
    // Same creation time as "e": the larger id comes first.
    insert(store, operation("f", "echo", OperationStatus::Failed, "w2", 5));

    const auto list = [&](OperationQuery query) { return store.reader.list(query); };

    SECTION("no filter: everything, newest first") {
        const auto rows = list({});
        CHECK(rows.total == 6);
        CHECK(ids(rows.operations) == std::vector<std::string>{"f", "e", "d", "c", "b", "a"});
    }
    SECTION("each filter alone") {
        OperationQuery by_type;
        by_type.operation_type = "backtest";
        CHECK(ids(list(by_type).operations) == std::vector<std::string>{"d", "c"});

        OperationQuery by_status;
        by_status.status = OperationStatus::Running;
        CHECK(ids(list(by_status).operations) == std::vector<std::string>{"e", "c", "b"});

        OperationQuery by_worker;
        by_worker.worker_id = "w2";
        CHECK(ids(list(by_worker).operations) == std::vector<std::string>{"f", "b"});

        // A worker's index holds only operations that have one (migration 0007): '' names none.
        OperationQuery unassigned;
        unassigned.worker_id = "";
        CHECK(list(unassigned).operations.empty());
    }
    SECTION("filters combine with AND") {
        OperationQuery query;
        query.operation_type = "echo";
        query.status = OperationStatus::Running;
        CHECK(ids(list(query).operations) == std::vector<std::string>{"e", "b"});
        query.worker_id = "w1";
        const auto rows = list(query);
        CHECK(ids(rows.operations) == std::vector<std::string>{"e"});
        CHECK(rows.total == 1);
        query.worker_id = "nobody";
        CHECK(list(query).operations.empty());
        CHECK(list(query).total == 0);

        OperationQuery type_and_worker;
        type_and_worker.operation_type = "echo";
        type_and_worker.worker_id = "w2";
        CHECK(ids(list(type_and_worker).operations) == std::vector<std::string>{"f", "b"});
        OperationQuery status_and_worker;
        status_and_worker.status = OperationStatus::Running;
        status_and_worker.worker_id = "w1";
        CHECK(ids(list(status_and_worker).operations) == std::vector<std::string>{"e", "c"});
        CHECK(list(status_and_worker).total == 2);
    }
    SECTION("a cursor pages by key: each page starts after the last one's end, whatever came since") {
        OperationQuery query;
        query.limit = 2;
        auto rows = list(query);
        CHECK(ids(rows.operations) == std::vector<std::string>{"f", "e"});
        REQUIRE(rows.next);
        CHECK(to_string(*rows.next) == std::to_string(at(5).time_since_epoch() / milliseconds(1)) + ".e");
        insert(store, operation("newer", "echo", OperationStatus::Queued, "", 9));  // does not shift the pages
        query.after = parse_cursor(to_string(*rows.next));
        rows = list(query);
        CHECK(ids(rows.operations) == std::vector<std::string>{"d", "c"});
        CHECK(rows.total == 7);
        REQUIRE(rows.next);
        query.after = rows.next;
        rows = list(query);
        CHECK(ids(rows.operations) == std::vector<std::string>{"b", "a"});
        CHECK_FALSE(rows.next);  // the last page says so

        OperationQuery running;
        running.status = OperationStatus::Running;
        running.limit = 1;
        running.after = fleet::backend::cursor_of(*store.operations.find("e"));
        rows = list(running);
        CHECK(ids(rows.operations) == std::vector<std::string>{"c"});
        CHECK(rows.total == 3);
        REQUIRE(rows.next);
        running.after = rows.next;
        CHECK(ids(list(running).operations) == std::vector<std::string>{"b"});
    }
    SECTION("cursors that are not one are refused") {
        for (const auto* text : {"", "12", ".op", "12.", "x.op", "1e3.op", "12 .op"}) {
            INFO(text);
            CHECK_FALSE(parse_cursor(text));
        }
        CHECK(parse_cursor("-5.op.with:dots")->operation_id == "op.with:dots");
        CHECK(parse_cursor("-5.op.with:dots")->created_ms == -5);
    }
    SECTION("limit and offset page through; total counts every match") {
        OperationQuery query;
        query.limit = 2;
        auto rows = list(query);
        CHECK(rows.total == 6);
        CHECK(ids(rows.operations) == std::vector<std::string>{"f", "e"});
        query.offset = 2;
        CHECK(ids(list(query).operations) == std::vector<std::string>{"d", "c"});
        query.offset = 5;
        CHECK(ids(list(query).operations) == std::vector<std::string>{"a"});
        query.offset = 6;
        rows = list(query);
        CHECK(rows.operations.empty());
        CHECK(rows.total == 6);

        OperationQuery echo;
        echo.operation_type = "echo";
        echo.limit = 1;
        echo.offset = 1;
        rows = list(echo);
        CHECK(ids(rows.operations) == std::vector<std::string>{"e"});
        CHECK(rows.total == 4);

        OperationQuery none;
        none.limit = 0;
        rows = list(none);
        CHECK(rows.operations.empty());
        CHECK(rows.total == 6);

        OperationQuery all;
        all.limit = std::numeric_limits<std::size_t>::max();
        CHECK(list(all).operations.size() == 6);
    }
    SECTION("listed records carry every field") {
        insert(store, full_operation("z"));
        OperationQuery query;
        query.worker_id = "dp-host-5006";
        const auto rows = list(query);
        REQUIRE(rows.operations.size() == 1);
        check_equal(rows.operations[0], full_operation("z"));
    }
}

TEST_CASE("store: counts operations by status, zero included", "[store]") {
    Storage store(":memory:");
    auto counts = store.operations.count_by_status();
    CHECK(counts.size() == 6);
    CHECK(counts[OperationStatus::Running] == 0);

    insert(store, operation("a", "echo", OperationStatus::Running, "w1", 1));
    insert(store, operation("b", "echo", OperationStatus::Running, "w2", 2));
    insert(store, operation("c", "echo", OperationStatus::Queued, "", 3));
    insert(store, operation("d", "echo", OperationStatus::Completed, "w1", 4));
    counts = store.operations.count_by_status();
    CHECK(counts.at(OperationStatus::Running) == 2);
    CHECK(counts.at(OperationStatus::Queued) == 1);
    CHECK(counts.at(OperationStatus::Completed) == 1);
    CHECK(counts.at(OperationStatus::Pending) == 0);
    CHECK(counts.at(OperationStatus::Failed) == 0);
    CHECK(counts.at(OperationStatus::Cancelled) == 0);
}

namespace {

// What the counts in memory must say: a GROUP BY over the file.
std::map<OperationStatus, std::size_t> counted_in_sql(const std::filesystem::path& file) {
    fleet::db::Database raw(file.string());
    std::map<OperationStatus, std::size_t> counts;
    for (auto status : {OperationStatus::Queued, OperationStatus::Pending, OperationStatus::Running,
                        OperationStatus::Completed, OperationStatus::Failed, OperationStatus::Cancelled})
        counts[status] = 0;
    auto rows = raw.prepare("SELECT status, COUNT(*) FROM operations GROUP BY status");
    while (rows.step())
        counts[*fleet::parse_operation_status(rows.text(0))] = static_cast<std::size_t>(rows.int64(1));
    return counts;
}

}  // namespace

TEST_CASE("store: the counts by status follow every insert, update, delete and rollback", "[store]") {
    TempDb file;
    Storage store(file.path.string());
    const auto matches_file = [&] { return store.operations.count_by_status() == counted_in_sql(file.path); };
    insert(store, operation("q", "echo", OperationStatus::Queued, "", 1));
    insert(store, operation("r", "echo", OperationStatus::Running, "w1", 2));
    insert(store, ended("old", OperationStatus::Completed, 3));
    CHECK(store.operations.insert(operation("q", "echo", OperationStatus::Failed, "", 9)) ==
          OperationRepository::Insert::DuplicateId);
    CHECK(matches_file());

    auto moved = operation("q", "echo", OperationStatus::Pending, "w2", 1);
    store.operations.update(moved);
    moved.status = OperationStatus::Running;
    store.operations.update(moved);
    moved.status = OperationStatus::Failed;
    moved.completed_at = at(4);
    store.operations.update(moved);
    CHECK(store.operations.count_by_status().at(OperationStatus::Failed) == 1);
    CHECK(store.operations.count_by_status().at(OperationStatus::Queued) == 0);
    CHECK(matches_file());

    CHECK(store.operations.delete_finished_before(at(1'000'000), 10).size() == 2);  // "old" and "q"
    CHECK(store.operations.count_by_status().at(OperationStatus::Failed) == 0);
    CHECK(matches_file());

    const auto failing = [&] {
        store.database.transaction([&] {
            insert(store, operation("lost", "echo", OperationStatus::Queued, "", 5));
            store.operations.update(operation("r", "echo", OperationStatus::Completed, "w1", 2));
            throw std::runtime_error("rolled back");
        });
    };
    CHECK_THROWS(failing());
    CHECK(matches_file());
    CHECK(store.operations.count_by_status().at(OperationStatus::Running) == 1);

    SECTION("a reopened file counts the same, and lists' totals by status come from the counts") {
        Storage reopened(file.path.string());
        CHECK(reopened.operations.count_by_status() == store.operations.count_by_status());
        OperationQuery running;
        running.status = OperationStatus::Running;
        CHECK(reopened.operations.known_total(running) == 1u);
        CHECK(reopened.operations.known_total({}) == 1u);
        CHECK(reopened.reader.list(running, reopened.operations.known_total(running)).total == 1);
        CHECK(reopened.reader.list(running).total == 1);  // counted in SQL
        OperationQuery by_type;
        by_type.operation_type = "echo";
        CHECK_FALSE(reopened.operations.known_total(by_type));
    }
}

TEST_CASE("store: transaction() commits, or rolls back when the work throws", "[store]") {
    Storage store(":memory:");
    store.database.transaction([&] {
        insert(store, operation("kept", "echo", OperationStatus::Queued, "", 1));
        store.workers.save(full_worker("kept"));
    });

    const auto failing = [&] {
        store.database.transaction([&] {
            insert(store, operation("lost", "echo", OperationStatus::Queued, "", 2));
            store.workers.save(full_worker("lost"));
            store.workers.remove("kept");
            throw std::runtime_error("dispatch failed");
        });
    };
    CHECK_THROWS_WITH(failing(), "dispatch failed");

    CHECK(store.operations.find("kept"));
    CHECK_FALSE(store.operations.find("lost"));
    const auto workers = store.workers.load_all();
    REQUIRE(workers.size() == 1);
    CHECK(workers[0].worker_id == "kept");

    // The store takes new transactions after a rollback.
    store.database.transaction([&] { insert(store, operation("after", "echo", OperationStatus::Queued, "", 3)); });
    CHECK(store.operations.find("after"));
}

TEST_CASE("store: a database file keeps everything across a restart, in WAL mode", "[store]") {
    TempDb file;
    const auto worker = full_worker();
    const auto finished = full_operation("done");
    const auto queued = operation("waiting", "echo", OperationStatus::Queued, "", 99);
    {
        Storage store(file.path.string());
        store.workers.save(worker);
        insert(store, finished);
        insert(store, queued);
    }
    {
        fleet::db::Database raw(file.path.string());
        auto mode = raw.prepare("PRAGMA journal_mode");
        REQUIRE(mode.step());
        CHECK(mode.text(0) == "wal");
        auto version = raw.prepare("SELECT version FROM schema_version");
        REQUIRE(version.step());
        CHECK(version.int64(0) == fleet::backend::builtin_migrations().back().version);
        CHECK_FALSE(version.step());
    }
    Storage reopened(file.path.string());
    const auto workers = reopened.workers.load_all();
    REQUIRE(workers.size() == 1);
    check_equal(workers[0], worker);
    const auto found = reopened.operations.find("done");
    REQUIRE(found);
    check_equal(*found, finished);
    const auto unfinished = reopened.operations.load_unfinished();
    REQUIRE(unfinished.size() == 1);
    check_equal(unfinished[0], queued);
    CHECK(reopened.reader.list({}).total == 2);
}

TEST_CASE("store: a database from a newer schema version is refused", "[store]") {
    TempDb file;
    { Storage store(file.path.string()); }
    {
        fleet::db::Database raw(file.path.string());
        raw.exec("UPDATE schema_version SET version = version + 1");
    }
    const auto newer = std::to_string(fleet::backend::builtin_migrations().back().version + 1);
    CHECK_THROWS_WITH(Storage(file.path.string()), Catch::Matchers::Contains("schema version " + newer + " is newer"));
}

TEST_CASE("store: inserting an id that is taken fails and leaves the stored operation alone", "[store][ids]") {
    Storage store(":memory:");
    const auto first = full_operation("op_same");
    insert(store, first);
    CHECK(store.operations.exists("op_same"));
    CHECK_FALSE(store.operations.exists("op_other"));

    auto second = operation("op_same", "echo", OperationStatus::Queued, "", 42);
    second.parameters = {{"other", true}};
    CHECK(store.operations.insert(second) == OperationRepository::Insert::DuplicateId);
    const auto found = store.operations.find("op_same");
    REQUIRE(found);
    check_equal(*found, first);
    CHECK(store.reader.list({}).total == 1);

    // An update needs the row: it never creates one.
    CHECK_THROWS(store.operations.update(operation("op_never", "echo", OperationStatus::Running, "w1", 1)));
    CHECK_FALSE(store.operations.exists("op_never"));
}


TEST_CASE("store: exists() knows ids after the newest of their prefix without a lookup, and every other id by one",
          "[store][ids]") {
    Storage store(":memory:");
    insert(store, operation("op_0002", "echo", OperationStatus::Queued, "", 1));
    insert(store, operation("wf_9.step.a1", "echo", OperationStatus::Queued, "", 1));
    CHECK(store.operations.exists("op_0002"));
    CHECK_FALSE(store.operations.exists("op_0003"));  // after the newest op_
    CHECK_FALSE(store.operations.exists("op_0001"));  // before it: looked up
    CHECK(store.operations.exists("wf_9.step.a1"));   // another prefix: its own newest
    CHECK_FALSE(store.operations.exists("wf_9.step.a2"));
    CHECK_FALSE(store.operations.exists("plain"));  // no prefix: looked up
    insert(store, operation("plain", "echo", OperationStatus::Queued, "", 1));
    CHECK(store.operations.exists("plain"));

    // An insert moves the newest on; one before it is found by the lookup.
    insert(store, operation("op_0005", "echo", OperationStatus::Queued, "", 1));
    insert(store, operation("op_0001", "echo", OperationStatus::Queued, "", 1));
    CHECK(store.operations.exists("op_0005"));
    CHECK(store.operations.exists("op_0001"));
    CHECK_FALSE(store.operations.exists("op_0004"));
    CHECK_FALSE(store.operations.exists("op_0006"));

    // A rollback forgets what it knew: the file says again.
    CHECK_THROWS(store.database.transaction([&] {
        insert(store, operation("op_0009", "echo", OperationStatus::Queued, "", 1));
        CHECK(store.operations.exists("op_0009"));
        throw std::runtime_error("rolled back");
    }));
    CHECK_FALSE(store.operations.exists("op_0009"));
    CHECK(store.operations.exists("op_0005"));
}

TEST_CASE("store: an update sets the status and the worker only when they change, and every change reads back",
          "[store]") {
    Storage store(":memory:");
    auto op = operation("op_1", "echo", OperationStatus::Queued, "", 1);
    insert(store, op);
    const auto by_worker = [&](const std::string& worker) {
        OperationQuery query;
        query.worker_id = worker;
        return store.reader.list(query).total;
    };
    const auto by_status = [&](OperationStatus status) {
        OperationQuery query;
        query.status = status;
        return store.reader.list(query).total;
    };
    const auto check_stored = [&](const OperationRecord& expected) {
        const auto found = store.operations.find(expected.operation_id);
        REQUIRE(found);
        CHECK(found->status == expected.status);
        CHECK(found->worker_id == expected.worker_id);
        CHECK(found->progress == expected.progress);
        CHECK(by_status(expected.status) == 1);
        CHECK(by_worker(expected.worker_id) == (expected.worker_id.empty() ? 0 : 1));  // '' names no worker
    };

    op.status = OperationStatus::Pending;  // a claim: both change
    op.worker_id = "w1";
    store.operations.update(op);
    check_stored(op);
    CHECK(by_worker("") == 0);
    op.status = OperationStatus::Running;  // the status alone
    store.operations.update(op);
    check_stored(op);
    CHECK(by_status(OperationStatus::Pending) == 0);
    op.progress = {{"percentage", 40}};  // neither: progress only
    store.operations.update(op);
    check_stored(op);
    op.status = OperationStatus::Queued;  // requeued: both again
    op.worker_id = "";
    store.operations.update(op);
    check_stored(op);
    CHECK(by_worker("w1") == 0);

    // After a rollback the repository reads what is stored again, worker included.
    CHECK_THROWS(store.database.transaction([&] {
        auto claimed = op;
        claimed.status = OperationStatus::Pending;
        claimed.worker_id = "w2";
        store.operations.update(claimed);
        throw std::runtime_error("rolled back");
    }));
    op.worker_id = "w3";  // moves from "", as stored
    store.operations.update(op);
    check_stored(op);
    CHECK(by_worker("") == 0);
    CHECK(by_worker("w2") == 0);
}

TEST_CASE("store: finished operations older than the cutoff are deleted in bounded batches", "[store][retention]") {
    Storage store(":memory:");
    for (int i = 0; i < 5; ++i) insert(store, ended("old_done_" + std::to_string(i), OperationStatus::Completed, i));
    insert(store, ended("old_failed", OperationStatus::Failed, 5));
    insert(store, ended("old_cancelled", OperationStatus::Cancelled, 6));
    insert(store, ended("young_done", OperationStatus::Completed, 1'000));
    insert(store, ended("at_cutoff", OperationStatus::Completed, 500));  // not older than the cutoff
    insert(store, operation("old_queued", "echo", OperationStatus::Queued, "", 0));
    insert(store, operation("old_running", "echo", OperationStatus::Running, "w1", 0));
    // Unfinished, yet with a completed_at (a record the lifecycle should never write): kept.
    auto odd = operation("old_pending", "echo", OperationStatus::Pending, "w1", 0);
    odd.completed_at = at(1);
    insert(store, odd);

    const SystemTime cutoff = at(500);
    // Batches of at most 3, each status's oldest first, until none is left.
    std::vector<std::string> deleted;
    std::vector<std::size_t> sizes;
    for (;;) {
        auto batch = store.operations.delete_finished_before(cutoff, 3);
        if (batch.empty()) break;
        sizes.push_back(batch.size());
        deleted.insert(deleted.end(), batch.begin(), batch.end());
    }
    CHECK(sizes == std::vector<std::size_t>{3, 3, 1});
    const auto place = [&](const std::string& id) {
        return std::find(deleted.begin(), deleted.end(), id) - deleted.begin();
    };
    for (int i = 1; i < 5; ++i)
        CHECK(place("old_done_" + std::to_string(i - 1)) < place("old_done_" + std::to_string(i)));
    std::sort(deleted.begin(), deleted.end());
    CHECK(deleted == std::vector<std::string>{"old_cancelled", "old_done_0", "old_done_1", "old_done_2", "old_done_3",
                                              "old_done_4", "old_failed"});

    for (const auto& id : {"old_done_0", "old_failed", "old_cancelled"}) CHECK_FALSE(store.operations.find(id));
    for (const auto& id : {"young_done", "at_cutoff", "old_queued", "old_running", "old_pending"})
        CHECK(store.operations.find(id));
    CHECK(store.operations.load_unfinished().size() == 3);
}

TEST_CASE("store: the retention delete walks the status index, without a sort", "[store][retention]") {
    TempDb file;
    { Storage on_file(file.path.string()); }
    fleet::db::Database raw(file.path.string());
    // The store's statement, as written there; with many finished rows a scan of
    // the table or a sort takes a hundred times longer.
    auto plan = raw.prepare("EXPLAIN QUERY PLAN DELETE FROM operations WHERE operation_id IN ("
                            "SELECT operation_id FROM operations"
                            " WHERE status IN (?2, ?3, ?4) AND created_at < ?1 AND completed_at < ?1"
                            " LIMIT ?5) RETURNING operation_id, status");
    std::string steps;
    while (plan.step()) steps += plan.text(3) + "\n";
    INFO(steps);
    CHECK(steps.find("USING INDEX operations_by_status (status=? AND created_at<?)") != std::string::npos);
    CHECK(steps.find("TEMP B-TREE") == std::string::npos);
    CHECK(steps.find("SCAN operations") == std::string::npos);
}

TEST_CASE("store: a file of the first release opens, keeps its rows and reaches the latest version",
          "[store][retention]") {
    TempDb file;
    const auto finished = full_operation("done");
    {
        Storage store(file.path.string());
        insert(store, finished);
    }
    {
        // What the first release wrote: the same tables, version 1, no completed_at index.
        fleet::db::Database raw(file.path.string());
        raw.exec("UPDATE schema_version SET version = 1");
    }
    Storage reopened(file.path.string());
    const auto found = reopened.operations.find("done");
    REQUIRE(found);
    check_equal(*found, finished);
    fleet::db::Database raw(file.path.string());
    // Version 2 made the completed_at index, version 6 dropped it again.
    auto index = raw.prepare("SELECT COUNT(*) FROM sqlite_schema WHERE name = 'operations_by_completed_at'");
    REQUIRE(index.step());
    CHECK(index.int64(0) == 0);
    CHECK(fleet::backend::schema_version(raw) == fleet::backend::builtin_migrations().back().version);
}
