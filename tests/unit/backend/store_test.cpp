#include "backend/storage/store.hpp"

#include <boost/json/parse.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <limits>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

using namespace std::chrono;
using fleet::OperationStatus;
using fleet::SystemTime;
using fleet::backend::OperationQuery;
using fleet::backend::OperationRecord;
using fleet::backend::Store;
using fleet::backend::WorkerRecord;
using fleet::backend::WorkerStatus;

namespace {

const SystemTime kT0{milliseconds(1'800'000'000'123)};

SystemTime at(std::int64_t ms) { return kT0 + milliseconds(ms); }

void insert(Store& store, const OperationRecord& operation) {
    INFO("operation " << operation.operation_id);
    REQUIRE(store.insert_operation(operation) == Store::Insert::Inserted);
}

// JSON that a lossy store would change: doubles Boost.JSON 1.81 misreads,
// the integer extremes, nesting, escapes and non-ASCII text.
boost::json::object tricky_json() {
    return boost::json::parse(R"({
        "cores": 8, "gpu": true, "memory_gb": 31.25, "none": null,
        "doubles": [0.1, -2.5422460108763038E5, 1.0442758598704387E-216, 3.141592653589793, 1e300, -0.0, 5.0],
        "ints": [-9223372036854775808, 9223372036854775807, 18446744073709551615],
        "nested": {"a": [1, {"b": "c"}], "empty": {}, "list": []},
        "text": "quote \" backslash \\ tab \t newline \n é 日本 \u0001"
    })").as_object();
}

WorkerRecord full_worker(std::string id = "backtest-host-5005") {
    WorkerRecord w;
    w.worker_id = std::move(id);
    w.worker_type = "backtest";
    w.domain = "backtests";
    w.endpoint_url = "http://10.0.0.7:5005";
    w.capabilities = tricky_json();
    w.max_concurrent = 3;
    w.version = "1.2.3";
    w.instance_id = "inst-7f3a";
    w.status = WorkerStatus::TemporarilyUnavailable;
    w.operations = {"op-1", "op-2"};
    w.last_health_check = at(1'000);
    w.health_check_failures = 2;
    w.registered_at = at(-5'000);
    w.unavailable_since = at(900);
    w.last_dispatched_at = at(500);
    return w;
}

OperationRecord full_operation(std::string id = "op-full") {
    OperationRecord op;
    op.operation_id = std::move(id);
    op.domain = "data-processing";
    op.operation_type = "data_processing";
    op.status = OperationStatus::Completed;
    op.priority = -7;
    op.requirements = {{"cores", 4}, {"gpu", true}};
    op.parameters = tricky_json();
    op.max_retries = 2;
    op.attempts = 3;
    op.worker_losses = 1;
    op.worker_id = "dp-host-5006";
    op.worker_instance_id = "inst-1";
    op.progress = {{"percentage", 100.0}, {"current_step", "done"}, {"estimated_remaining_seconds", 0}};
    op.result = tricky_json();
    op.error_message = "retried after: worker lost";
    op.created_at = at(0);
    op.updated_at = at(10'001);
    op.started_at = at(1);
    op.completed_at = at(10'000);
    op.refreshed_at = at(9'999);
    op.unknown_since = at(-1);
    return op;
}

void check_equal(const WorkerRecord& a, const WorkerRecord& b) {
    CHECK(a.worker_id == b.worker_id);
    CHECK(a.worker_type == b.worker_type);
    CHECK(a.domain == b.domain);
    CHECK(a.endpoint_url == b.endpoint_url);
    CHECK(a.capabilities == b.capabilities);
    CHECK(a.max_concurrent == b.max_concurrent);
    CHECK(a.version == b.version);
    CHECK(a.instance_id == b.instance_id);
    CHECK(a.status == b.status);
    CHECK(a.operations == b.operations);
    CHECK(a.last_health_check == b.last_health_check);
    CHECK(a.health_check_failures == b.health_check_failures);
    CHECK(a.registered_at == b.registered_at);
    CHECK(a.unavailable_since == b.unavailable_since);
    CHECK(a.last_dispatched_at == b.last_dispatched_at);
}

void check_equal(const OperationRecord& a, const OperationRecord& b) {
    CHECK(a.operation_id == b.operation_id);
    CHECK(a.domain == b.domain);
    CHECK(a.operation_type == b.operation_type);
    CHECK(a.status == b.status);
    CHECK(a.priority == b.priority);
    CHECK(a.requirements == b.requirements);
    CHECK(a.parameters == b.parameters);
    CHECK(a.max_retries == b.max_retries);
    CHECK(a.attempts == b.attempts);
    CHECK(a.worker_losses == b.worker_losses);
    CHECK(a.worker_id == b.worker_id);
    CHECK(a.worker_instance_id == b.worker_instance_id);
    CHECK(a.progress == b.progress);
    CHECK(a.result == b.result);
    CHECK(a.error_message == b.error_message);
    CHECK(a.created_at == b.created_at);
    CHECK(a.updated_at == b.updated_at);
    CHECK(a.started_at == b.started_at);
    CHECK(a.completed_at == b.completed_at);
    CHECK(a.refreshed_at == b.refreshed_at);
    CHECK(a.unknown_since == b.unknown_since);
}

OperationRecord operation(std::string id, std::string type, OperationStatus status, std::string worker,
                          std::int64_t created_ms) {
    OperationRecord op;
    op.operation_id = std::move(id);
    op.operation_type = type;
    op.domain = type;
    op.status = status;
    op.worker_id = std::move(worker);
    op.created_at = at(created_ms);
    op.updated_at = op.created_at;
    return op;
}

std::vector<std::string> ids(const std::vector<OperationRecord>& operations) {
    std::vector<std::string> out;
    for (const auto& op : operations) out.push_back(op.operation_id);
    return out;
}

// A database file under the temp directory, removed with its WAL files.
struct TempDb {
    std::filesystem::path path;
    TempDb() {
        std::random_device random;
        path = std::filesystem::temp_directory_path() /
               ("fleet-store-test-" + std::to_string(random()) + std::to_string(random()) + ".db");
    }
    ~TempDb() {
        std::error_code ignored;
        for (const char* suffix : {"", "-wal", "-shm", "-journal"})
            std::filesystem::remove(path.string() + suffix, ignored);
    }
};

}  // namespace

TEST_CASE("store: a worker reads back exactly as saved", "[store]") {
    Store store(":memory:");
    CHECK(store.load_workers().empty());
    const auto worker = full_worker();
    store.save_worker(worker);
    const auto loaded = store.load_workers();
    REQUIRE(loaded.size() == 1);
    check_equal(loaded[0], worker);

    SECTION("empty optionals and empty lists stay empty") {
        WorkerRecord sparse;
        sparse.worker_id = "echo-1";
        sparse.status = WorkerStatus::Draining;
        store.save_worker(sparse);
        const auto workers = store.load_workers();
        REQUIRE(workers.size() == 2);
        const auto& found = workers[0].worker_id == "echo-1" ? workers[0] : workers[1];
        check_equal(found, sparse);
        CHECK_FALSE(found.last_health_check.has_value());
        CHECK_FALSE(found.unavailable_since.has_value());
        CHECK(found.operations.empty());
    }
}

TEST_CASE("store: saving a worker again replaces it, deleting removes it", "[store]") {
    Store store(":memory:");
    store.save_worker(full_worker("a"));
    store.save_worker(full_worker("b"));

    auto changed = full_worker("a");
    changed.status = WorkerStatus::Available;
    changed.operations.clear();
    changed.last_health_check.reset();
    changed.unavailable_since.reset();
    changed.health_check_failures = 0;
    changed.capabilities = {{"cores", 2}};
    store.save_worker(changed);

    auto workers = store.load_workers();
    REQUIRE(workers.size() == 2);
    const auto& a = workers[0].worker_id == "a" ? workers[0] : workers[1];
    check_equal(a, changed);

    store.delete_worker("a");
    store.delete_worker("never-registered");
    workers = store.load_workers();
    REQUIRE(workers.size() == 1);
    CHECK(workers[0].worker_id == "b");
}

TEST_CASE("store: an operation reads back exactly as saved", "[store]") {
    Store store(":memory:");
    CHECK_FALSE(store.find_operation("op-full").has_value());

    SECTION("every field set, JSON object result") {
        const auto op = full_operation();
        insert(store, op);
        const auto found = store.find_operation(op.operation_id);
        REQUIRE(found);
        check_equal(*found, op);
    }
    SECTION("null result, empty objects, empty optionals") {
        OperationRecord op = operation("op-queued", "echo", OperationStatus::Queued, "", 5);
        insert(store, op);
        const auto found = store.find_operation("op-queued");
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
            const auto found = store.find_operation(op.operation_id);
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
        const auto found = store.find_operation(op.operation_id);
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
        store.update_operation(op);
        const auto found = store.find_operation("op-full");
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
    Store store(":memory:");
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
    const auto found = store.find_operation(op.operation_id);
    REQUIRE(found);
    CHECK(found->result == op.result);
}

TEST_CASE("store: unfinished operations are the queued, pending and running ones", "[store]") {
    Store store(":memory:");
    insert(store, operation("q", "echo", OperationStatus::Queued, "", 4));
    insert(store, operation("p", "echo", OperationStatus::Pending, "w1", 3));
    insert(store, operation("r", "echo", OperationStatus::Running, "w1", 2));
    insert(store, operation("c", "echo", OperationStatus::Completed, "w1", 1));
    insert(store, operation("f", "echo", OperationStatus::Failed, "w1", 0));
    insert(store, operation("x", "echo", OperationStatus::Cancelled, "", 5));

    auto unfinished = ids(store.load_unfinished_operations());
    std::sort(unfinished.begin(), unfinished.end());
    CHECK(unfinished == std::vector<std::string>{"p", "q", "r"});
}

TEST_CASE("store: list_operations filters, pages and orders newest first", "[store]") {
    Store store(":memory:");
    insert(store, operation("a", "echo", OperationStatus::Completed, "w1", 1));
    insert(store, operation("b", "echo", OperationStatus::Running, "w2", 2));
    insert(store, operation("c", "backtest", OperationStatus::Running, "w1", 3));
    insert(store, operation("d", "backtest", OperationStatus::Queued, "", 4));
    insert(store, operation("e", "echo", OperationStatus::Running, "w1", 5));
    // Same creation time as "e": the larger id comes first.
    insert(store, operation("f", "echo", OperationStatus::Failed, "w2", 5));

    const auto list = [&](OperationQuery query) { return store.list_operations(query); };

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

        OperationQuery unassigned;
        unassigned.worker_id = "";
        CHECK(ids(list(unassigned).operations) == std::vector<std::string>{"d"});
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
    Store store(":memory:");
    auto counts = store.count_operations_by_status();
    CHECK(counts.size() == 6);
    CHECK(counts[OperationStatus::Running] == 0);

    insert(store, operation("a", "echo", OperationStatus::Running, "w1", 1));
    insert(store, operation("b", "echo", OperationStatus::Running, "w2", 2));
    insert(store, operation("c", "echo", OperationStatus::Queued, "", 3));
    insert(store, operation("d", "echo", OperationStatus::Completed, "w1", 4));
    counts = store.count_operations_by_status();
    CHECK(counts.at(OperationStatus::Running) == 2);
    CHECK(counts.at(OperationStatus::Queued) == 1);
    CHECK(counts.at(OperationStatus::Completed) == 1);
    CHECK(counts.at(OperationStatus::Pending) == 0);
    CHECK(counts.at(OperationStatus::Failed) == 0);
    CHECK(counts.at(OperationStatus::Cancelled) == 0);
}

TEST_CASE("store: transaction() commits, or rolls back when the work throws", "[store]") {
    Store store(":memory:");
    store.transaction([&] {
        insert(store, operation("kept", "echo", OperationStatus::Queued, "", 1));
        store.save_worker(full_worker("kept"));
    });

    const auto failing = [&] {
        store.transaction([&] {
            insert(store, operation("lost", "echo", OperationStatus::Queued, "", 2));
            store.save_worker(full_worker("lost"));
            store.delete_worker("kept");
            throw std::runtime_error("dispatch failed");
        });
    };
    CHECK_THROWS_WITH(failing(), "dispatch failed");

    CHECK(store.find_operation("kept"));
    CHECK_FALSE(store.find_operation("lost"));
    const auto workers = store.load_workers();
    REQUIRE(workers.size() == 1);
    CHECK(workers[0].worker_id == "kept");

    // The store takes new transactions after a rollback.
    store.transaction([&] { insert(store, operation("after", "echo", OperationStatus::Queued, "", 3)); });
    CHECK(store.find_operation("after"));
}

TEST_CASE("store: a database file keeps everything across a restart, in WAL mode", "[store]") {
    TempDb file;
    const auto worker = full_worker();
    const auto finished = full_operation("done");
    const auto queued = operation("waiting", "echo", OperationStatus::Queued, "", 99);
    {
        Store store(file.path.string());
        store.save_worker(worker);
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
        CHECK(version.int64(0) == 1);
        CHECK_FALSE(version.step());
    }
    Store reopened(file.path.string());
    const auto workers = reopened.load_workers();
    REQUIRE(workers.size() == 1);
    check_equal(workers[0], worker);
    const auto found = reopened.find_operation("done");
    REQUIRE(found);
    check_equal(*found, finished);
    const auto unfinished = reopened.load_unfinished_operations();
    REQUIRE(unfinished.size() == 1);
    check_equal(unfinished[0], queued);
    CHECK(reopened.list_operations({}).total == 2);
}

TEST_CASE("store: a database from a newer schema version is refused", "[store]") {
    TempDb file;
    { Store store(file.path.string()); }
    {
        fleet::db::Database raw(file.path.string());
        raw.exec("UPDATE schema_version SET version = 2");
    }
    CHECK_THROWS_WITH(Store(file.path.string()), Catch::Matchers::Contains("schema version 2"));
}

TEST_CASE("store: inserting an id that is taken fails and leaves the stored operation alone", "[store][ids]") {
    Store store(":memory:");
    const auto first = full_operation("op_same");
    insert(store, first);
    CHECK(store.operation_exists("op_same"));
    CHECK_FALSE(store.operation_exists("op_other"));

    auto second = operation("op_same", "echo", OperationStatus::Queued, "", 42);
    second.parameters = {{"other", true}};
    CHECK(store.insert_operation(second) == Store::Insert::DuplicateId);
    const auto found = store.find_operation("op_same");
    REQUIRE(found);
    check_equal(*found, first);
    CHECK(store.list_operations({}).total == 1);

    // An update needs the row: it never creates one.
    CHECK_THROWS(store.update_operation(operation("op_never", "echo", OperationStatus::Running, "w1", 1)));
    CHECK_FALSE(store.operation_exists("op_never"));
}

namespace {

OperationRecord ended(std::string id, OperationStatus status, std::int64_t completed_ms) {
    auto op = operation(std::move(id), "echo", status, "w1", completed_ms - 10);
    op.completed_at = at(completed_ms);
    return op;
}

}  // namespace

TEST_CASE("store: finished operations older than the cutoff are deleted in bounded batches", "[store][retention]") {
    Store store(":memory:");
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
    auto first = store.delete_finished_before(cutoff, 3);
    CHECK(first == std::vector<std::string>{"old_done_0", "old_done_1", "old_done_2"});  // oldest first
    auto second = store.delete_finished_before(cutoff, 3);
    CHECK(second == std::vector<std::string>{"old_done_3", "old_done_4", "old_failed"});
    auto third = store.delete_finished_before(cutoff, 3);
    CHECK(third == std::vector<std::string>{"old_cancelled"});
    CHECK(store.delete_finished_before(cutoff, 3).empty());

    for (const auto& id : {"old_done_0", "old_failed", "old_cancelled"}) CHECK_FALSE(store.find_operation(id));
    for (const auto& id : {"young_done", "at_cutoff", "old_queued", "old_running", "old_pending"})
        CHECK(store.find_operation(id));
    CHECK(store.load_unfinished_operations().size() == 3);
}

TEST_CASE("store: the retention delete walks the completed_at index", "[store][retention]") {
    TempDb file;
    { Store on_file(file.path.string()); }
    fleet::db::Database raw(file.path.string());
    // The store's statement, as written there; with many finished rows anything
    // else (the status index plus a sort) takes a hundred times longer.
    auto plan = raw.prepare("EXPLAIN QUERY PLAN DELETE FROM operations WHERE operation_id IN ("
                            "SELECT operation_id FROM operations"
                            " WHERE completed_at < ?1 AND +status IN (?2, ?3, ?4)"
                            " ORDER BY completed_at LIMIT ?5) RETURNING operation_id");
    std::string steps;
    while (plan.step()) steps += plan.text(3) + "\n";
    INFO(steps);
    CHECK(steps.find("USING INDEX operations_by_completed_at") != std::string::npos);
    CHECK(steps.find("TEMP B-TREE") == std::string::npos);
}

TEST_CASE("store: a file of the first release opens, keeps its rows and gains the retention index",
          "[store][retention]") {
    TempDb file;
    const auto finished = full_operation("done");
    {
        Store store(file.path.string());
        insert(store, finished);
    }
    {
        // What the first release wrote: the same tables, version 1, no completed_at index.
        fleet::db::Database raw(file.path.string());
        raw.exec("DROP INDEX operations_by_completed_at");
    }
    Store reopened(file.path.string());
    const auto found = reopened.find_operation("done");
    REQUIRE(found);
    check_equal(*found, finished);
    fleet::db::Database raw(file.path.string());
    auto index = raw.prepare("SELECT COUNT(*) FROM sqlite_schema WHERE name = 'operations_by_completed_at'");
    REQUIRE(index.step());
    CHECK(index.int64(0) == 1);
    auto version = raw.prepare("SELECT MAX(version) FROM schema_version");
    REQUIRE(version.step());
    CHECK(version.int64(0) == 1);
}
