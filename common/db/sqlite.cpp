#include "common/db/sqlite.hpp"

#include "common/db/wal_gathering_vfs.hpp"

#include <sqlite3.h>

#include <chrono>

namespace fleet::db {
namespace {

constexpr std::chrono::milliseconds kBusyTimeout{5000};
constexpr int kLookasideSlotSize = 1200;
constexpr int kLookasideSlots = 500;

std::string describe(sqlite3* db, std::string_view sql) {
    std::string message = db ? sqlite3_errmsg(db) : "out of memory";
    message += " (in: ";
    message += sql;
    message += ')';
    return message;
}

bool only_whitespace_or_semicolons(std::string_view text) {
    return text.find_first_not_of(" \t\r\n;") == std::string_view::npos;
}

}  // namespace

// ---- Statement -------------------------------------------------------------

void Statement::Finalize::operator()(sqlite3_stmt* stmt) const noexcept { sqlite3_finalize(stmt); }

void Statement::fail(int code) const {
    throw Error(code, describe(sqlite3_db_handle(stmt_.get()), sql()));
}

Statement& Statement::check_bind(int code) {
    if (code != SQLITE_OK) fail(code);
    return *this;
}

Statement& Statement::bind(int index, std::int64_t value) {
    return check_bind(sqlite3_bind_int64(stmt_.get(), index, value));
}

Statement& Statement::bind(int index, int value) { return check_bind(sqlite3_bind_int(stmt_.get(), index, value)); }

Statement& Statement::bind(int index, double value) {
    return check_bind(sqlite3_bind_double(stmt_.get(), index, value));
}

namespace {

// `how`: SQLITE_TRANSIENT (SQLite copies the text) or SQLITE_STATIC (it reads it in place).
int bind_text(sqlite3_stmt* statement, int index, std::string_view value, sqlite3_destructor_type how) {
    // A non-null pointer even for "", so an empty string binds as '' and not as NULL.
    const char* data = value.empty() ? "" : value.data();
    return sqlite3_bind_text64(statement, index, data, value.size(), how, SQLITE_UTF8);
}

}  // namespace

Statement& Statement::bind(int index, std::string_view value) {
    return check_bind(bind_text(stmt_.get(), index, value, SQLITE_TRANSIENT));
}

Statement& Statement::bind_kept(int index, std::string_view value) {
    return check_bind(bind_text(stmt_.get(), index, value, SQLITE_STATIC));
}

Statement& Statement::bind(int index, std::nullptr_t) { return check_bind(sqlite3_bind_null(stmt_.get(), index)); }

bool Statement::step() {
    const int code = sqlite3_step(stmt_.get());
    if (code == SQLITE_ROW) return true;
    if (code == SQLITE_DONE) return false;
    fail(code);
}

std::int64_t Statement::int64(int column) const { return sqlite3_column_int64(stmt_.get(), column); }

double Statement::real(int column) const { return sqlite3_column_double(stmt_.get(), column); }

std::string Statement::text(int column) const {
    const auto* data = reinterpret_cast<const char*>(sqlite3_column_text(stmt_.get(), column));
    if (!data) return {};
    return std::string(data, static_cast<std::size_t>(sqlite3_column_bytes(stmt_.get(), column)));
}

bool Statement::is_null(int column) const { return sqlite3_column_type(stmt_.get(), column) == SQLITE_NULL; }

void Statement::reset() noexcept {
    // sqlite3_reset repeats the last step's error, which step() has already reported.
    sqlite3_reset(stmt_.get());
    sqlite3_clear_bindings(stmt_.get());
}

std::string Statement::sql() const {
    const char* text = sqlite3_sql(stmt_.get());
    return text ? text : "";
}

// ---- Database --------------------------------------------------------------

void Database::Close::operator()(sqlite3* db) const noexcept { sqlite3_close_v2(db); }

Database::Database(const std::string& path) {
    sqlite3* handle = nullptr;
    // Through the VFS that writes a transaction's WAL frames with one system call (wal_gathering_vfs.hpp).
    const int code =
        sqlite3_open_v2(path.c_str(), &handle, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                        wal_gathering_vfs());
    // The handle exists even when opening fails, and must be closed.
    db_.reset(handle);
    if (code != SQLITE_OK) throw Error(code, describe(handle, "open " + path));
    // More of SQLite's small allocations from the connection's own slots (its default is 40, which
    // the prepared statements keep, so building a row went to malloc): 500 slots, 600 KiB.
    sqlite3_db_config(handle, SQLITE_DBCONFIG_LOOKASIDE, nullptr, kLookasideSlotSize, kLookasideSlots);
    sqlite3_extended_result_codes(handle, 1);
    sqlite3_busy_timeout(handle, static_cast<int>(kBusyTimeout.count()));
}

void Database::on_wal_commit(std::function<void(int pages)> hook) {
    wal_hook_ = std::make_unique<std::function<void(int)>>(std::move(hook));
    sqlite3_wal_hook(
        db_.get(),
        [](void* hook, sqlite3*, const char*, int pages) {
            (*static_cast<std::function<void(int)>*>(hook))(pages);
            return SQLITE_OK;
        },
        wal_hook_.get());
}

bool Database::checkpoint() {
    return sqlite3_wal_checkpoint_v2(db_.get(), nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr) == SQLITE_OK;
}

void Database::exec(const std::string& sql) {
    char* message = nullptr;
    const int code = sqlite3_exec(db_.get(), sql.c_str(), nullptr, nullptr, &message);
    if (code == SQLITE_OK) return;
    std::string text = message ? message : sqlite3_errstr(code);
    sqlite3_free(message);
    throw Error(code, text + " (in: " + sql + ')');
}

Statement Database::prepare(std::string_view sql) {
    sqlite3_stmt* stmt = nullptr;
    const char* tail = nullptr;
    const int code = sqlite3_prepare_v3(db_.get(), sql.data(), static_cast<int>(sql.size()),
                                        SQLITE_PREPARE_PERSISTENT, &stmt, &tail);
    Statement statement(stmt);
    if (code != SQLITE_OK) throw Error(code, describe(db_.get(), sql));
    if (!stmt) throw Error(SQLITE_MISUSE, "no statement to prepare (in: " + std::string(sql) + ')');
    // SQLite would silently ignore everything after the first statement.
    const auto consumed = static_cast<std::size_t>(tail - sql.data());
    if (!only_whitespace_or_semicolons(sql.substr(consumed)))
        throw Error(SQLITE_MISUSE, "more than one statement (in: " + std::string(sql) + ')');
    return statement;
}

std::int64_t Database::changes() const { return sqlite3_changes64(db_.get()); }

// ---- Transaction -----------------------------------------------------------

// IMMEDIATE takes the write lock up front, so a later write cannot fail with SQLITE_BUSY mid-transaction.
Transaction::Transaction(Database& db) : db_(db) { db_.exec("BEGIN IMMEDIATE"); }

Transaction::~Transaction() {
    if (done_) return;
    try {
        db_.exec("ROLLBACK");
    } catch (const Error&) {
        // SQLite may already have rolled back on its own (e.g. after SQLITE_FULL); nothing is left to undo.
    }
}

void Transaction::commit() {
    db_.exec("COMMIT");
    done_ = true;
}

}  // namespace fleet::db
