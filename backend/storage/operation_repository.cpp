#include "backend/storage/operation_repository.hpp"

#include "backend/storage/database.hpp"
#include "backend/storage/operation_columns.hpp"
#include "backend/storage/operation_reader.hpp"
#include "backend/storage/sqlite_rows.hpp"

#include <array>
#include <stdexcept>
#include <string>

namespace fleet::backend {

using namespace sqlite_rows;
using operation_columns::kColumns;

namespace {

// Prefixes whose newest id is kept: ids come from a few makers ("op_", "wf_").
constexpr std::size_t kMaxPrefixes = 16;

db::Statement prepare_update(db::Database& db, bool status_changes, bool worker_changes) {
    std::vector<std::string_view> unchanged = operation_columns::kFixedColumns;
    if (!status_changes) unchanged.push_back("status");
    if (!worker_changes) unchanged.push_back("worker_id");
    return db.prepare(update_sql("operations", kColumns, unchanged));
}

// Up to and including the first '_' ("op_"), or nothing.
std::string prefix_of(const std::string& operation_id) {
    const auto end = operation_id.find('_');
    return end == std::string::npos ? std::string() : operation_id.substr(0, end + 1);
}

}  // namespace

struct OperationRepository::Statements {
    explicit Statements(db::Database& db)
        // An operation is inserted once and never overwritten: an id drawn twice
        // must not merge two operations into one row.
        : insert(db.prepare(insert_sql("operations", kColumns) + " DO NOTHING")),
          updates{prepare_update(db, false, false), prepare_update(db, true, false), prepare_update(db, false, true),
                  prepare_update(db, true, true)},
          exists(db.prepare("SELECT 1 FROM operations WHERE operation_id = ?1")),
          newest_with_prefix(db.prepare("SELECT MAX(operation_id) FROM operations"
                                        " WHERE operation_id >= ?1 AND operation_id < ?2")),
          load_unfinished(db.prepare(std::string("SELECT ") + kColumns +
                                     " FROM operations WHERE status IN (?1, ?2, ?3)"
                                     " ORDER BY created_at, operation_id")),
          count_by_status(db.prepare("SELECT status, COUNT(*) FROM operations GROUP BY status")),
          unfinished_statuses(
              db.prepare("SELECT operation_id, status, worker_id FROM operations WHERE status IN (?1, ?2, ?3)")),
          stored_of(db.prepare("SELECT status, worker_id FROM operations WHERE operation_id = ?1")),
          // Walks operations_by_status (status, created_at) for each finished status up
          // to the cutoff: an operation completes after it is created, so those created
          // before the cutoff hold every one that completed before it (migration 0006).
          delete_finished(db.prepare("DELETE FROM operations WHERE operation_id IN ("
                                     "SELECT operation_id FROM operations"
                                     " WHERE status IN (?2, ?3, ?4) AND created_at < ?1 AND completed_at < ?1"
                                     " LIMIT ?5) RETURNING operation_id, status")) {}

    db::Statement insert;
    // What an update sets besides the columns that always change: indexed by
    // (status changes ? 1 : 0) + (worker_id changes ? 2 : 0). SQLite rewrites an index
    // entry for every indexed column in the SET, changed or not (about 3 us each).
    std::array<db::Statement, 4> updates;
    db::Statement exists;
    db::Statement newest_with_prefix;
    db::Statement load_unfinished;
    db::Statement count_by_status;
    db::Statement unfinished_statuses;
    db::Statement stored_of;
    db::Statement delete_finished;
};

OperationRepository::OperationRepository(Database& database)
    : database_(database),
      statements_(std::make_unique<Statements>(database.db_)),
      reader_(std::make_unique<OperationReader>(database)) {
    load_counts();
    database_.on_rollback([this] {
        load_counts();
        newest_.clear();
    });
}

void OperationRepository::load_counts() {
    counts_.clear();
    for (auto status : {OperationStatus::Queued, OperationStatus::Pending, OperationStatus::Running,
                        OperationStatus::Completed, OperationStatus::Failed, OperationStatus::Cancelled})
        counts_[status] = 0;
    {
        Use st(statements_->count_by_status);
        while (st->step()) counts_[operation_columns::status(st->text(0))] = static_cast<std::size_t>(st->int64(1));
    }
    unfinished_.clear();
    Use st(statements_->unfinished_statuses);
    st->bind(1, to_string(OperationStatus::Queued));
    st->bind(2, to_string(OperationStatus::Pending));
    st->bind(3, to_string(OperationStatus::Running));
    while (st->step()) unfinished_.emplace(st->text(0), Stored{operation_columns::status(st->text(1)), st->text(2)});
}

void OperationRepository::count_move(const OperationRecord& operation, OperationStatus from) {
    const OperationStatus to = operation.status;
    if (from != to) {
        --counts_[from];
        ++counts_[to];
    }
    if (is_terminal(to)) unfinished_.erase(operation.operation_id);
    else unfinished_.insert_or_assign(operation.operation_id, Stored{to, operation.worker_id});
}

OperationRepository::~OperationRepository() = default;

OperationRepository::Insert OperationRepository::insert(const OperationRecord& operation) {
    database_.before_write();
    operation_columns::Texts texts;  // read by SQLite in place: outlives `st`, which resets the statement
    Use st(statements_->insert);
    operation_columns::bind(*st, operation, texts);
    st->step();
    if (database_.db_.changes() != 1) return Insert::DuplicateId;
    ++counts_[operation.status];
    if (!is_terminal(operation.status))
        unfinished_.emplace(operation.operation_id, Stored{operation.status, operation.worker_id});
    if (auto newest = newest_.find(prefix_of(operation.operation_id));
        newest != newest_.end() && newest->second < operation.operation_id)
        newest->second = operation.operation_id;
    return Insert::Inserted;
}

void OperationRepository::update(const OperationRecord& operation) {
    std::optional<Stored> stored;
    if (const auto it = unfinished_.find(operation.operation_id); it != unfinished_.end()) {
        stored = it->second;
    } else {
        // A finished one (never expected: the lifecycle ends there).
        Use st(statements_->stored_of);
        st->bind(1, operation.operation_id);
        if (st->step()) stored = Stored{operation_columns::status(st->text(0)), st->text(1)};
    }
    const bool status_changes = !stored || stored->status != operation.status;
    const bool worker_changes = !stored || stored->worker_id != operation.worker_id;
    database_.before_write();
    operation_columns::Texts texts;  // read by SQLite in place: outlives `st`, which resets the statement
    Use st(statements_->updates[(status_changes ? 1 : 0) + (worker_changes ? 2 : 0)]);
    operation_columns::bind(*st, operation, texts, operation_columns::Bind::Changing);
    st->step();
    if (database_.db_.changes() != 1)
        throw std::runtime_error("update of operation '" + operation.operation_id + "', which has no row");
    count_move(operation, stored ? stored->status : operation.status);
}

void OperationRepository::before_commit(std::function<void()> write) { database_.before_commit(std::move(write)); }

bool OperationRepository::exists(const std::string& operation_id) {
    const std::string prefix = prefix_of(operation_id);
    auto newest = newest_.find(prefix);
    if (newest == newest_.end() && !prefix.empty() && newest_.size() < kMaxPrefixes) {
        // Every id with the prefix sorts between it and the prefix with its last character moved one on.
        std::string after = prefix;
        after.back() = static_cast<char>(after.back() + 1);
        Use st(statements_->newest_with_prefix);
        st->bind(1, prefix);
        st->bind(2, after);
        newest = newest_.emplace(prefix, st->step() && !st->is_null(0) ? st->text(0) : std::string()).first;
    }
    if (newest != newest_.end() && operation_id > newest->second) return false;
    Use st(statements_->exists);
    st->bind(1, operation_id);
    return st->step();
}

std::vector<std::string> OperationRepository::delete_finished_before(SystemTime cutoff, std::size_t limit) {
    database_.before_write();
    Use st(statements_->delete_finished);
    st->bind(1, to_ms(cutoff));
    st->bind(2, to_string(OperationStatus::Completed));
    st->bind(3, to_string(OperationStatus::Failed));
    st->bind(4, to_string(OperationStatus::Cancelled));
    st->bind(5, clamp_to_int64(limit));
    std::vector<std::string> deleted;
    while (st->step()) {
        deleted.push_back(st->text(0));
        --counts_[operation_columns::status(st->text(1))];
    }
    return deleted;
}

std::optional<OperationRecord> OperationRepository::find(const std::string& operation_id) {
    return reader_->find(operation_id);
}

std::vector<OperationRecord> OperationRepository::load_unfinished() {
    Use st(statements_->load_unfinished);
    st->bind(1, to_string(OperationStatus::Queued));
    st->bind(2, to_string(OperationStatus::Pending));
    st->bind(3, to_string(OperationStatus::Running));
    return operation_columns::read_all(*st);
}

std::optional<std::size_t> OperationRepository::known_total(const OperationQuery& query) const {
    if (query.operation_type || query.worker_id) return std::nullopt;
    std::size_t total = 0;
    for (const auto& [status, n] : counts_)
        if (!query.status || status == *query.status) total += n;
    return total;
}

}  // namespace fleet::backend
