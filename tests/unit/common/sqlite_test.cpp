#include "common/db/sqlite.hpp"

#include <catch2/catch.hpp>

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>

using fleet::db::Database;
using fleet::db::Error;
using fleet::db::Statement;
using fleet::db::Transaction;
using Catch::Matchers::Contains;

namespace {

std::int64_t count_rows(Database& db) {
    auto st = db.prepare("SELECT COUNT(*) FROM t");
    REQUIRE(st.step());
    return st.int64(0);
}

}  // namespace

TEST_CASE("sqlite: exec, prepare, bind, step and read columns", "[sqlite]") {
    Database db(":memory:");
    db.exec("CREATE TABLE t (i INTEGER, r REAL, s TEXT); CREATE INDEX t_i ON t (i);");

    auto insert = db.prepare("INSERT INTO t (i, r, s) VALUES (?1, ?2, ?3)");
    insert.bind(1, std::int64_t{9'007'199'254'740'993}).bind(2, 0.1).bind(3, std::string_view("héllo\0x", 8));
    CHECK_FALSE(insert.step());
    CHECK(db.changes() == 1);

    insert.reset();
    insert.bind(1, 7).bind(2, -2.5).bind(3, "");
    CHECK_FALSE(insert.step());

    auto select = db.prepare("SELECT i, r, s FROM t ORDER BY i");
    REQUIRE(select.step());
    CHECK(select.int64(0) == 7);
    CHECK(select.real(1) == -2.5);
    CHECK(select.text(2).empty());
    CHECK_FALSE(select.is_null(2));  // '' is not NULL
    REQUIRE(select.step());
    CHECK(select.int64(0) == 9'007'199'254'740'993);
    CHECK(select.real(1) == 0.1);
    CHECK(select.text(2) == std::string("héllo\0x", 8));
    CHECK_FALSE(select.step());

    // reset() runs the statement again from the start.
    select.reset();
    CHECK(select.step());
}

TEST_CASE("sqlite: NULLs from nullptr, empty optionals and reset()", "[sqlite]") {
    Database db(":memory:");
    db.exec("CREATE TABLE t (a INTEGER, b TEXT, c REAL)");
    auto insert = db.prepare("INSERT INTO t (a, b, c) VALUES (?1, ?2, ?3)");
    insert.bind(1, nullptr).bind(2, std::optional<std::string>{}).bind(3, std::optional<double>{});
    insert.step();
    insert.reset();
    insert.bind(1, std::optional<std::int64_t>{42}).bind(2, std::optional<std::string>{"x"}).bind(3, 1.5);
    insert.step();
    // reset() also unbinds: every parameter is NULL again.
    insert.reset();
    insert.step();

    auto select = db.prepare("SELECT a, b, c FROM t ORDER BY rowid");
    REQUIRE(select.step());
    CHECK(select.is_null(0));
    CHECK(select.is_null(1));
    CHECK(select.is_null(2));
    CHECK(select.int64(0) == 0);
    CHECK(select.text(1).empty());
    REQUIRE(select.step());
    CHECK(select.int64(0) == 42);
    CHECK(select.text(1) == "x");
    CHECK(select.real(2) == 1.5);
    REQUIRE(select.step());
    CHECK(select.is_null(0));
    CHECK(select.is_null(1));
    CHECK_FALSE(select.step());
}

TEST_CASE("sqlite: statements are move-only and survive a move", "[sqlite]") {
    STATIC_REQUIRE_FALSE(std::is_copy_constructible_v<Statement>);
    STATIC_REQUIRE(std::is_nothrow_move_constructible_v<Statement>);
    STATIC_REQUIRE_FALSE(std::is_copy_constructible_v<Transaction>);

    Database db(":memory:");
    auto first = db.prepare("SELECT 5");
    Statement moved = std::move(first);
    REQUIRE(moved.step());
    CHECK(moved.int64(0) == 5);
}

TEST_CASE("sqlite: a transaction commits, and rolls back when left by an exception", "[sqlite]") {
    Database db(":memory:");
    db.exec("CREATE TABLE t (v INTEGER)");

    {
        Transaction tx(db);
        db.exec("INSERT INTO t VALUES (1)");
        tx.commit();
    }
    CHECK(count_rows(db) == 1);

    const auto failing = [&] {
        Transaction tx(db);
        db.exec("INSERT INTO t VALUES (2)");
        throw std::runtime_error("boom");
    };
    CHECK_THROWS_AS(failing(), std::runtime_error);
    CHECK(count_rows(db) == 1);

    {
        Transaction tx(db);
        db.exec("INSERT INTO t VALUES (3)");
    }  // no commit
    CHECK(count_rows(db) == 1);

    // After a rollback the connection is usable for a new transaction.
    Transaction tx(db);
    db.exec("INSERT INTO t VALUES (4)");
    tx.commit();
    CHECK(count_rows(db) == 2);
}

TEST_CASE("sqlite: errors name the SQL and SQLite's reason", "[sqlite]") {
    Database db(":memory:");
    CHECK_THROWS_AS(db.prepare("SELEC 1"), Error);
    CHECK_THROWS_WITH(db.prepare("SELEC 1"), Contains("syntax error") && Contains("SELEC 1"));
    CHECK_THROWS_WITH(db.exec("DROP TABLE missing"), Contains("no such table: missing") && Contains("DROP TABLE missing"));
    CHECK_THROWS_WITH(db.prepare("SELECT 1; SELECT 2"), Contains("more than one statement"));

    db.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)");
    auto insert = db.prepare("INSERT INTO t (id, v) VALUES (?1, ?2)");
    insert.bind(1, 1).bind(2, "a");
    insert.step();
    insert.reset();
    insert.bind(1, 1).bind(2, "b");
    try {
        insert.step();
        FAIL("a duplicate key must throw");
    } catch (const Error& e) {
        CHECK_THAT(e.what(), Contains("UNIQUE constraint failed") && Contains("INSERT INTO t"));
        CHECK(e.code() != 0);
    }
    // The statement is usable again after reset().
    insert.reset();
    insert.bind(1, 2).bind(2, "c");
    CHECK_NOTHROW(insert.step());

    CHECK_THROWS_WITH(Database("/nonexistent-dir/x.db"), Contains("/nonexistent-dir/x.db"));
}
