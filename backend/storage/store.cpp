#include "backend/storage/store.hpp"

#include "backend/storage/migrations.hpp"

#include "common/json/parse.hpp"

#include <boost/json/serialize.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <limits>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace fleet::backend {
namespace {

// Pragmas run outside any transaction: journal_mode cannot change inside one.
// WAL keeps readers off the writer's back; NORMAL skips the fsync per commit,
// which in WAL mode can lose the last commits on power loss but never corrupts.
constexpr const char* kPragmas =
    "PRAGMA journal_mode=WAL;"
    "PRAGMA synchronous=NORMAL;"
    "PRAGMA foreign_keys=ON;";

constexpr const char* kWorkerColumns =
    "worker_id, worker_type, domain, endpoint_url, capabilities, max_concurrent, version, instance_id, status, "
    "operations, last_health_check, health_check_failures, registered_at, unavailable_since, last_dispatched_at";

constexpr const char* kOperationColumns =
    "operation_id, domain, operation_type, status, priority, requirements, parameters, max_retries, attempts, "
    "worker_losses, worker_id, worker_instance_id, progress, result, error_message, created_at, updated_at, "
    "started_at, completed_at, refreshed_at, unknown_since";

// The list filters: each is ignored when its parameter is NULL, so one
// prepared statement serves every combination.
// The list filters (operation_type ?1, status ?2, worker_id ?3), one bit each.
// Every combination has a statement of its own, naming only the filters it
// has, so that SQLite can pick the matching index ("?2 IS NULL OR status = ?2"
// in one shared statement made it scan every row).
constexpr std::size_t kFilterCombinations = 8;
constexpr std::array<const char*, 3> kFilterTerms{"operation_type = ?1", "status = ?2", "worker_id = ?3"};

std::string operation_filter(std::size_t combination) {
    std::string where;
    for (std::size_t i = 0; i < kFilterTerms.size(); ++i)
        if (combination & (std::size_t{1} << i)) where += (where.empty() ? " WHERE " : " AND ") + std::string(kFilterTerms[i]);
    return where;
}

std::vector<std::string> split_columns(std::string_view columns) {
    std::vector<std::string> names;
    for (std::size_t start = 0; start < columns.size();) {
        auto end = std::min(columns.find(',', start), columns.size());
        auto name = columns.substr(start, end - start);
        name.remove_prefix(std::min(name.find_first_not_of(' '), name.size()));
        names.emplace_back(name);
        start = end + 1;
    }
    return names;
}

// The first column is the primary key; the caller says what a conflict on it does.
std::string insert_sql(const std::string& table, const std::string& columns) {
    const auto names = split_columns(columns);
    std::string placeholders;
    for (std::size_t i = 0; i < names.size(); ++i) placeholders += (i ? ", ?" : "?") + std::to_string(i + 1);
    return "INSERT INTO " + table + " (" + columns + ") VALUES (" + placeholders + ") ON CONFLICT(" + names[0] + ")";
}

std::string upsert_sql(const std::string& table, const std::string& columns) {
    const auto names = split_columns(columns);
    std::string updates;
    for (std::size_t i = 1; i < names.size(); ++i)
        updates += (updates.empty() ? "" : ", ") + names[i] + " = excluded." + names[i];
    return insert_sql(table, columns) + " DO UPDATE SET " + updates;
}

// Parameters numbered as in the insert (?1 is the key), so one bind function
// serves both. `fixed` columns never change after the insert and are left out:
// SQLite rewrites every index on a column the SET names, changed or not.
std::string update_sql(const std::string& table, const std::string& columns,
                       const std::vector<std::string_view>& fixed) {
    const auto names = split_columns(columns);
    std::string updates;
    for (std::size_t i = 1; i < names.size(); ++i) {
        if (std::find(fixed.begin(), fixed.end(), names[i]) != fixed.end()) continue;
        updates += (updates.empty() ? "" : ", ") + names[i] + " = ?" + std::to_string(i + 1);
    }
    return "UPDATE " + table + " SET " + updates + " WHERE " + names[0] + " = ?1";
}

std::int64_t to_ms(SystemTime t) {
    return std::chrono::floor<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

SystemTime from_ms(std::int64_t ms) { return SystemTime{std::chrono::milliseconds(ms)}; }

std::optional<std::int64_t> to_ms(const std::optional<SystemTime>& t) {
    if (!t) return std::nullopt;
    return to_ms(*t);
}

std::optional<SystemTime> optional_time(const db::Statement& row, int column) {
    if (row.is_null(column)) return std::nullopt;
    return from_ms(row.int64(column));
}

std::int64_t clamp_to_int64(std::size_t n) {
    return static_cast<std::int64_t>(std::min<std::size_t>(n, std::numeric_limits<std::int64_t>::max()));
}

[[noreturn]] void bad_column(std::string_view column, std::string_view what) {
    throw std::runtime_error("store: " + std::string(column) + " " + std::string(what));
}

boost::json::value parse_json(const std::string& text, std::string_view column) {
    // Exact doubles: stored JSON reads back as it was written.
    boost::json::error_code ec;
    auto value = json::parse(text, ec);
    if (ec) bad_column(column, "is not valid JSON: " + ec.message());
    return value;
}

boost::json::object parse_object(const std::string& text, std::string_view column) {
    auto value = parse_json(text, column);
    if (!value.is_object()) bad_column(column, "is not a JSON object");
    return std::move(value.get_object());
}

std::string to_json(const boost::json::value& value) { return boost::json::serialize(value); }

std::string to_json(const std::vector<std::string>& ids) {
    boost::json::array array;
    array.reserve(ids.size());
    for (const auto& id : ids) array.emplace_back(id);
    return boost::json::serialize(array);
}

std::vector<std::string> parse_ids(const std::string& text, std::string_view column) {
    auto value = parse_json(text, column);
    if (!value.is_array()) bad_column(column, "is not a JSON array");
    std::vector<std::string> ids;
    for (const auto& id : value.get_array()) {
        if (!id.is_string()) bad_column(column, "holds a non-string id");
        ids.emplace_back(id.get_string());
    }
    return ids;
}

OperationStatus operation_status(const std::string& text) {
    const auto status = parse_operation_status(text);
    if (!status) bad_column("operations.status", "has an unknown value '" + text + "'");
    return *status;
}

WorkerStatus worker_status(const std::string& text) {
    const auto status = parse_worker_status(text);
    if (!status) bad_column("workers.status", "has an unknown value '" + text + "'");
    return *status;
}

// Leaves a shared statement reset and unbound however the call ends, so it
// never holds a read snapshot open between calls.
class Use {
public:
    explicit Use(db::Statement& statement) : statement_(statement) { statement_.reset(); }
    ~Use() { statement_.reset(); }
    Use(const Use&) = delete;
    Use& operator=(const Use&) = delete;
    db::Statement* operator->() { return &statement_; }
    db::Statement& operator*() { return statement_; }

private:
    db::Statement& statement_;
};

void bind_worker(db::Statement& st, const WorkerRecord& w) {
    int i = 0;
    st.bind(++i, w.worker_id);
    st.bind(++i, w.worker_type);
    st.bind(++i, w.domain);
    st.bind(++i, w.endpoint_url);
    st.bind(++i, to_json(w.capabilities));
    st.bind(++i, clamp_to_int64(w.max_concurrent));
    st.bind(++i, w.version);
    st.bind(++i, w.instance_id);
    st.bind(++i, to_string(w.status));
    st.bind(++i, to_json(w.operations));
    st.bind(++i, to_ms(w.last_health_check));
    st.bind(++i, w.health_check_failures);
    st.bind(++i, to_ms(w.registered_at));
    st.bind(++i, to_ms(w.unavailable_since));
    st.bind(++i, to_ms(w.last_dispatched_at));
}

// Columns in the order of kWorkerColumns.
WorkerRecord read_worker(const db::Statement& row) {
    WorkerRecord w;
    int c = 0;
    w.worker_id = row.text(c++);
    w.worker_type = row.text(c++);
    w.domain = row.text(c++);
    w.endpoint_url = row.text(c++);
    w.capabilities = parse_object(row.text(c++), "workers.capabilities");
    w.max_concurrent = static_cast<std::size_t>(row.int64(c++));
    w.version = row.text(c++);
    w.instance_id = row.text(c++);
    w.status = worker_status(row.text(c++));
    w.operations = parse_ids(row.text(c++), "workers.operations");
    w.last_health_check = optional_time(row, c++);
    w.health_check_failures = static_cast<int>(row.int64(c++));
    w.registered_at = from_ms(row.int64(c++));
    w.unavailable_since = optional_time(row, c++);
    w.last_dispatched_at = from_ms(row.int64(c++));
    return w;
}

void bind_operation(db::Statement& st, const OperationRecord& op) {
    int i = 0;
    st.bind(++i, op.operation_id);
    st.bind(++i, op.domain);
    st.bind(++i, op.operation_type);
    st.bind(++i, to_string(op.status));
    st.bind(++i, op.priority);
    st.bind(++i, to_json(op.requirements));
    st.bind(++i, to_json(op.parameters));
    st.bind(++i, op.max_retries);
    st.bind(++i, op.attempts);
    st.bind(++i, op.worker_losses);
    st.bind(++i, op.worker_id);
    st.bind(++i, op.worker_instance_id);
    st.bind(++i, to_json(op.progress));
    st.bind(++i, to_json(op.result));
    st.bind(++i, op.error_message);
    st.bind(++i, to_ms(op.created_at));
    st.bind(++i, to_ms(op.updated_at));
    st.bind(++i, to_ms(op.started_at));
    st.bind(++i, to_ms(op.completed_at));
    st.bind(++i, to_ms(op.refreshed_at));
    st.bind(++i, to_ms(op.unknown_since));
}

// Columns in the order of kOperationColumns.
OperationRecord read_operation(const db::Statement& row) {
    OperationRecord op;
    int c = 0;
    op.operation_id = row.text(c++);
    op.domain = row.text(c++);
    op.operation_type = row.text(c++);
    op.status = operation_status(row.text(c++));
    op.priority = row.int64(c++);
    op.requirements = parse_object(row.text(c++), "operations.requirements");
    op.parameters = parse_object(row.text(c++), "operations.parameters");
    op.max_retries = static_cast<int>(row.int64(c++));
    op.attempts = static_cast<int>(row.int64(c++));
    op.worker_losses = static_cast<int>(row.int64(c++));
    op.worker_id = row.text(c++);
    op.worker_instance_id = row.text(c++);
    op.progress = parse_object(row.text(c++), "operations.progress");
    op.result = parse_json(row.text(c++), "operations.result");
    op.error_message = row.text(c++);
    op.created_at = from_ms(row.int64(c++));
    op.updated_at = from_ms(row.int64(c++));
    op.started_at = optional_time(row, c++);
    op.completed_at = optional_time(row, c++);
    op.refreshed_at = optional_time(row, c++);
    op.unknown_since = optional_time(row, c++);
    return op;
}

std::vector<OperationRecord> read_operations(db::Statement& st) {
    std::vector<OperationRecord> operations;
    while (st.step()) operations.push_back(read_operation(st));
    return operations;
}

// Migrates the file to this build's schema, or refuses a newer one.
void open_schema(db::Database& db) {
    db.exec(kPragmas);
    migrate(db, builtin_migrations());
}

}  // namespace

struct Store::Statements {
    explicit Statements(db::Database& db)
        // INSERT ... ON CONFLICT DO UPDATE rather than INSERT OR REPLACE: an update in
        // place, so rows that later tables reference by foreign key are not deleted.
        : save_worker(db.prepare(upsert_sql("workers", kWorkerColumns))),
          delete_worker(db.prepare("DELETE FROM workers WHERE worker_id = ?1")),
          load_workers(db.prepare(std::string("SELECT ") + kWorkerColumns + " FROM workers ORDER BY worker_id")),
          // An operation is inserted once and never overwritten: an id drawn twice
          // must not merge two operations into one row.
          insert_operation(db.prepare(insert_sql("operations", kOperationColumns) + " DO NOTHING")),
          update_operation(db.prepare(update_sql("operations", kOperationColumns,
                                                 {"domain", "operation_type", "requirements", "parameters",
                                                  "max_retries", "created_at"}))),
          operation_exists(db.prepare("SELECT 1 FROM operations WHERE operation_id = ?1")),
          find_operation(
              db.prepare(std::string("SELECT ") + kOperationColumns + " FROM operations WHERE operation_id = ?1")),
          load_unfinished(db.prepare(std::string("SELECT ") + kOperationColumns +
                                     " FROM operations WHERE status IN (?1, ?2, ?3)"
                                     " ORDER BY created_at, operation_id")),
          count_by_status(db.prepare("SELECT status, COUNT(*) FROM operations GROUP BY status")),
          // `+status`: without it SQLite picks operations_by_status and sorts every
          // finished row (0.6 s a batch with 200,000 of them) instead of walking
          // operations_by_completed_at from the oldest.
          delete_finished(db.prepare("DELETE FROM operations WHERE operation_id IN ("
                                     "SELECT operation_id FROM operations"
                                     " WHERE completed_at < ?1 AND +status IN (?2, ?3, ?4)"
                                     " ORDER BY completed_at LIMIT ?5) RETURNING operation_id")) {
        for (std::size_t combination = 0; combination < kFilterCombinations; ++combination) {
            const std::string filter = operation_filter(combination);
            list_operations.push_back(db.prepare(std::string("SELECT ") + kOperationColumns + " FROM operations" +
                                                 filter + " ORDER BY created_at DESC, operation_id DESC LIMIT ?4 OFFSET ?5"));
            count_operations.push_back(db.prepare("SELECT COUNT(*) FROM operations" + filter));
        }
    }

    db::Statement save_worker;
    db::Statement delete_worker;
    db::Statement load_workers;
    db::Statement insert_operation;
    db::Statement update_operation;
    db::Statement operation_exists;
    db::Statement find_operation;
    db::Statement load_unfinished;
    db::Statement count_by_status;
    db::Statement delete_finished;
    std::vector<db::Statement> list_operations;   // by filter combination
    std::vector<db::Statement> count_operations;  // by filter combination
};

Store::Store(const std::string& path) : db_(path) {
    open_schema(db_);
    statements_ = std::make_unique<Statements>(db_);
}

Store::~Store() {
    try {
        commit_batch();
    } catch (const std::exception&) {
        // Nothing written since the last commit was acknowledged to anyone.
    }
}

void Store::set_batch_scheduler(std::function<void(std::function<void()>)> schedule) {
    schedule_ = std::move(schedule);
}

void Store::before_write() {
    if (!schedule_ || in_batch_) return;
    db_.exec("BEGIN IMMEDIATE");
    in_batch_ = true;
    schedule_([this] { commit_batch(); });
}

void Store::commit_batch() {
    if (!in_batch_) return;
    in_batch_ = false;
    db_.exec("COMMIT");
    // What they do may write again: that opens the next batch, not this one.
    for (auto& then : std::exchange(after_commit_, {})) then();
}

void Store::after_commit(std::function<void()> then) {
    if (in_batch_) after_commit_.push_back(std::move(then));
    else then();
}

void Store::save_worker(const WorkerRecord& worker) {
    before_write();
    Use st(statements_->save_worker);
    bind_worker(*st, worker);
    st->step();
}

void Store::delete_worker(const std::string& worker_id) {
    before_write();
    Use st(statements_->delete_worker);
    st->bind(1, worker_id);
    st->step();
}

std::vector<WorkerRecord> Store::load_workers() {
    Use st(statements_->load_workers);
    std::vector<WorkerRecord> workers;
    while (st->step()) workers.push_back(read_worker(*st));
    return workers;
}

Store::Insert Store::insert_operation(const OperationRecord& operation) {
    before_write();
    Use st(statements_->insert_operation);
    bind_operation(*st, operation);
    st->step();
    return db_.changes() == 1 ? Insert::Inserted : Insert::DuplicateId;
}

void Store::update_operation(const OperationRecord& operation) {
    before_write();
    Use st(statements_->update_operation);
    bind_operation(*st, operation);
    st->step();
    if (db_.changes() != 1)
        throw std::runtime_error("store: update of operation '" + operation.operation_id + "', which has no row");
}

bool Store::operation_exists(const std::string& operation_id) {
    Use st(statements_->operation_exists);
    st->bind(1, operation_id);
    return st->step();
}

std::vector<std::string> Store::delete_finished_before(SystemTime cutoff, std::size_t limit) {
    before_write();
    Use st(statements_->delete_finished);
    st->bind(1, to_ms(cutoff));
    st->bind(2, to_string(OperationStatus::Completed));
    st->bind(3, to_string(OperationStatus::Failed));
    st->bind(4, to_string(OperationStatus::Cancelled));
    st->bind(5, clamp_to_int64(limit));
    std::vector<std::string> deleted;
    while (st->step()) deleted.push_back(st->text(0));
    return deleted;
}

std::optional<OperationRecord> Store::find_operation(const std::string& operation_id) {
    Use st(statements_->find_operation);
    st->bind(1, operation_id);
    if (!st->step()) return std::nullopt;
    return read_operation(*st);
}

std::vector<OperationRecord> Store::load_unfinished_operations() {
    Use st(statements_->load_unfinished);
    st->bind(1, to_string(OperationStatus::Queued));
    st->bind(2, to_string(OperationStatus::Pending));
    st->bind(3, to_string(OperationStatus::Running));
    return read_operations(*st);
}

OperationRows Store::list_operations(const OperationQuery& query) {
    std::size_t combination = 0;
    if (query.operation_type) combination |= 1;
    if (query.status) combination |= 2;
    if (query.worker_id) combination |= 4;
    const auto bind_filter = [&](db::Statement& st) {
        if (query.operation_type) st.bind(1, *query.operation_type);
        if (query.status) st.bind(2, to_string(*query.status));
        if (query.worker_id) st.bind(3, *query.worker_id);
    };

    OperationRows rows;
    {
        Use count(statements_->count_operations[combination]);
        bind_filter(*count);
        count->step();
        rows.total = static_cast<std::size_t>(count->int64(0));
    }
    Use page(statements_->list_operations[combination]);
    bind_filter(*page);
    page->bind(4, clamp_to_int64(query.limit));
    page->bind(5, clamp_to_int64(query.offset));
    rows.operations = read_operations(*page);
    return rows;
}

std::map<OperationStatus, std::size_t> Store::count_operations_by_status() {
    // Every status is present, zero included, so callers can report all of them.
    std::map<OperationStatus, std::size_t> counts;
    for (auto status : {OperationStatus::Queued, OperationStatus::Pending, OperationStatus::Running,
                        OperationStatus::Completed, OperationStatus::Failed, OperationStatus::Cancelled})
        counts[status] = 0;
    Use st(statements_->count_by_status);
    while (st->step()) counts[operation_status(st->text(0))] = static_cast<std::size_t>(st->int64(1));
    return counts;
}

}  // namespace fleet::backend
