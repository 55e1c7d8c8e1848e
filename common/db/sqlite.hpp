#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

struct sqlite3;
struct sqlite3_stmt;

// A small RAII wrapper over the SQLite C API. A Database and its statements
// are used by one thread at a time (the connection is opened NOMUTEX).
namespace fleet::db {

// A failed SQLite call; the message has sqlite3_errmsg and the SQL it ran.
class Error : public std::runtime_error {
public:
    Error(int code, const std::string& message) : std::runtime_error(message), code_(code) {}
    int code() const noexcept { return code_; }  // the SQLite result code

private:
    int code_;
};

class Statement {
public:
    Statement(Statement&&) noexcept = default;
    Statement& operator=(Statement&&) noexcept = default;
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;
    ~Statement() = default;

    // Parameters are numbered from 1, as in SQL (`?1`).
    Statement& bind(int index, std::int64_t value);
    Statement& bind(int index, int value);
    Statement& bind(int index, double value);
    Statement& bind(int index, std::string_view value);  // copied by SQLite
    // Read in place, not copied: the text must stay as it is until the statement is reset.
    Statement& bind_kept(int index, std::string_view value);
    Statement& bind(int index, std::nullptr_t);
    template <typename T>
    Statement& bind(int index, const std::optional<T>& value) {
        if (value) return bind(index, *value);
        return bind(index, nullptr);
    }

    // True when a row is available, false when the statement is done.
    bool step();

    // Columns are numbered from 0. NULL reads as 0, 0.0 or "".
    std::int64_t int64(int column) const;
    double real(int column) const;
    std::string text(int column) const;
    bool is_null(int column) const;

    // Ready to run again, with every parameter unbound (NULL).
    void reset() noexcept;

    std::string sql() const;

private:
    friend class Database;
    struct Finalize {
        void operator()(sqlite3_stmt* stmt) const noexcept;
    };
    explicit Statement(sqlite3_stmt* stmt) : stmt_(stmt) {}
    [[noreturn]] void fail(int code) const;
    Statement& check_bind(int code);

    std::unique_ptr<sqlite3_stmt, Finalize> stmt_;
};

class Database {
public:
    // `path` may be ":memory:". Created if absent; waits up to 5 s on a lock.
    explicit Database(const std::string& path);
    Database(Database&&) noexcept = default;
    Database& operator=(Database&&) noexcept = default;
    Database(const Database&) = delete;
    Database& operator=(const Database&) = delete;
    ~Database() = default;

    // Runs one or more statements that return nothing of interest (schema, pragmas).
    void exec(const std::string& sql);
    // Exactly one statement; meant to be prepared once and reused with reset().
    Statement prepare(std::string_view sql);
    // Rows changed by the last INSERT, UPDATE or DELETE.
    std::int64_t changes() const;
    // `hook(pages)` after every commit in WAL mode, with the pages the WAL now
    // holds. Setting it turns SQLite's automatic checkpoint off for this
    // connection: whoever sets it checkpoints.
    void on_wal_commit(std::function<void(int pages)> hook);
    // A PASSIVE checkpoint on this connection: copies what no reader still
    // needs into the database, gives up at once if another checkpoint runs.
    // False when it could not run.
    bool checkpoint();

private:
    struct Close {
        void operator()(sqlite3* db) const noexcept;
    };
    std::unique_ptr<std::function<void(int)>> wal_hook_;  // before db_: outlives it
    std::unique_ptr<sqlite3, Close> db_;
};

// BEGIN IMMEDIATE now; ROLLBACK when destroyed without commit().
class Transaction {
public:
    explicit Transaction(Database& db);
    ~Transaction();
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;

    void commit();

private:
    Database& db_;
    bool done_ = false;
};

}  // namespace fleet::db
