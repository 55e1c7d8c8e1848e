#include "backend/storage/migrations.hpp"
#include "tests/support/test_storage.hpp"
#include "tests/unit/backend/store_records.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

using fleet::backend::builtin_migrations;
using fleet::backend::Migration;
using fleet::backend::migrate;
using fleet::backend::schema_version;
using namespace fleet::test;

namespace {

std::int64_t latest() { return builtin_migrations().back().version; }

bool has_index(fleet::db::Database& db, const std::string& name) {
    auto index = db.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'index' AND name = ?1");
    index.bind(1, name);
    return index.step();
}

}  // namespace

TEST_CASE("migrations: the built-in ones are numbered 1, 2, 3 with no gap, named after their files", "[migrations]") {
    const auto migrations = builtin_migrations();
    REQUIRE(migrations.size() >= 2);
    for (std::size_t i = 0; i < migrations.size(); ++i) {
        INFO(migrations[i].name);
        CHECK(migrations[i].version == static_cast<std::int64_t>(i + 1));
        CHECK(migrations[i].name.ends_with(".sql"));
        CHECK_FALSE(migrations[i].sql.empty());
    }
    CHECK(migrations[0].name == "0001_initial.sql");
}

TEST_CASE("migrations: a database file of the first release opens and keeps every row and field", "[migrations]") {
    TempDb file;
    std::filesystem::copy_file(std::filesystem::path(FLEET_SOURCE_DIR) / "tests/data/backend_v1.db", file.path);
    {
        fleet::db::Database raw(file.path.string());
        REQUIRE(schema_version(raw) == 1);
    }

    Storage store(file.path.string());
    auto expected_workers = v1_workers();
    std::sort(expected_workers.begin(), expected_workers.end(),
              [](const auto& a, const auto& b) { return a.worker_id < b.worker_id; });
    const auto workers = store.workers.load_all();
    REQUIRE(workers.size() == expected_workers.size());
    for (std::size_t i = 0; i < workers.size(); ++i) check_equal(workers[i], expected_workers[i]);

    const auto expected_operations = v1_operations();
    CHECK(store.reader.list({}).total == expected_operations.size());
    for (const auto& expected : expected_operations) {
        INFO("operation " << expected.operation_id);
        const auto found = store.operations.find(expected.operation_id);
        REQUIRE(found);
        check_equal(*found, expected);
    }

    fleet::db::Database raw(file.path.string());
    CHECK(schema_version(raw) == latest());
    CHECK_FALSE(has_index(raw, "operations_by_completed_at"));  // 0006: retention walks the status index
    CHECK(has_index(raw, "operations_by_status"));
}

TEST_CASE("migrations: only the steps above the file's version run, each with its version bump", "[migrations]") {
    fleet::db::Database db(":memory:");
    CHECK(schema_version(db) == 0);
    const std::vector<Migration> first{
        {1, "0001_a.sql", "CREATE TABLE schema_version (version INTEGER NOT NULL); CREATE TABLE t (x INTEGER);"},
        {2, "0002_b.sql", "INSERT INTO t (x) VALUES (2);"},
    };
    CHECK(migrate(db, first) == 2);
    CHECK(migrate(db, first) == 2);  // again: nothing runs twice

    auto more = first;
    more.push_back({3, "0003_c.sql", "INSERT INTO t (x) VALUES (3);"});
    CHECK(migrate(db, more) == 3);
    auto rows = db.prepare("SELECT group_concat(x) FROM t");
    REQUIRE(rows.step());
    CHECK(rows.text(0) == "2,3");
    rows.reset();
    CHECK(schema_version(db) == 3);

    SECTION("a failing step changes nothing and leaves the version where it was") {
        auto failing = more;
        failing.push_back({4, "0004_d.sql", "INSERT INTO t (x) VALUES (4); INSERT INTO nowhere VALUES (1);"});
        CHECK_THROWS_WITH(migrate(db, failing), Catch::Matchers::Contains("0004_d.sql failed"));
        CHECK(schema_version(db) == 3);
        REQUIRE(rows.step());
        CHECK(rows.text(0) == "2,3");
    }
    SECTION("a file newer than the last step known is refused, untouched") {
        CHECK_THROWS_WITH(migrate(db, first), Catch::Matchers::Contains("schema version 3 is newer than this build knows (2)"));
        CHECK(schema_version(db) == 3);
    }
}

TEST_CASE("migrations: a new file gets the latest schema", "[migrations]") {
    TempDb file;
    { Storage store(file.path.string()); }
    fleet::db::Database raw(file.path.string());
    CHECK(schema_version(raw) == latest());
    CHECK_FALSE(has_index(raw, "operations_by_completed_at"));  // 0006: retention walks the status index
    CHECK(has_index(raw, "operations_by_status"));
    // 0007: only operations with a worker in the worker's index, which a list by worker still uses.
    auto worker_index = raw.prepare("SELECT sql FROM sqlite_master WHERE name = 'operations_by_worker'");
    REQUIRE(worker_index.step());
    CHECK_THAT(worker_index.text(0), Catch::Matchers::EndsWith("WHERE worker_id <> ''"));
    auto plan = raw.prepare("EXPLAIN QUERY PLAN SELECT operation_id FROM operations WHERE worker_id = ?3 AND "
                            "worker_id <> '' ORDER BY created_at DESC, operation_id DESC LIMIT 100");
    REQUIRE(plan.step());
    CHECK_THAT(plan.text(3), Catch::Matchers::Contains("USING INDEX operations_by_worker"));
    auto rows = raw.prepare("SELECT COUNT(*) FROM schema_version");
    REQUIRE(rows.step());
    CHECK(rows.int64(0) == 1);
}
