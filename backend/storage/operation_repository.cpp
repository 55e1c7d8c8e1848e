#include "backend/storage/operation_repository.hpp"

#include "backend/storage/database.hpp"
#include "backend/storage/sqlite_rows.hpp"

#include <array>
#include <stdexcept>
#include <string>

namespace fleet::backend {
namespace {

using namespace sqlite_rows;

constexpr const char* kOperationColumns =
    "operation_id, domain, operation_type, status, priority, requirements, parameters, max_retries, attempts, "
    "worker_losses, worker_id, worker_instance_id, progress, result, error_message, created_at, updated_at, "
    "started_at, completed_at, refreshed_at, unknown_since";

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

OperationStatus operation_status(const std::string& text) {
    const auto status = parse_operation_status(text);
    if (!status) bad_column("operations.status", "has an unknown value '" + text + "'");
    return *status;
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

}  // namespace

struct OperationRepository::Statements {
    explicit Statements(db::Database& db)
        // An operation is inserted once and never overwritten: an id drawn twice
        // must not merge two operations into one row.
        : insert(db.prepare(insert_sql("operations", kOperationColumns) + " DO NOTHING")),
          update(db.prepare(update_sql("operations", kOperationColumns,
                                       {"domain", "operation_type", "requirements", "parameters", "max_retries",
                                        "created_at"}))),
          exists(db.prepare("SELECT 1 FROM operations WHERE operation_id = ?1")),
          find(db.prepare(std::string("SELECT ") + kOperationColumns + " FROM operations WHERE operation_id = ?1")),
          load_unfinished(db.prepare(std::string("SELECT ") + kOperationColumns +
                                     " FROM operations WHERE status IN (?1, ?2, ?3)"
                                     " ORDER BY created_at, operation_id")),
          count_by_status(db.prepare("SELECT status, COUNT(*) FROM operations GROUP BY status")),
          unfinished_statuses(db.prepare("SELECT operation_id, status FROM operations WHERE status IN (?1, ?2, ?3)")),
          status_of(db.prepare("SELECT status FROM operations WHERE operation_id = ?1")),
          // `+status`: without it SQLite picks operations_by_status and sorts every
          // finished row (0.6 s a batch with 200,000 of them) instead of walking
          // operations_by_completed_at from the oldest.
          delete_finished(db.prepare("DELETE FROM operations WHERE operation_id IN ("
                                     "SELECT operation_id FROM operations"
                                     " WHERE completed_at < ?1 AND +status IN (?2, ?3, ?4)"
                                     " ORDER BY completed_at LIMIT ?5) RETURNING operation_id, status")) {
        for (std::size_t combination = 0; combination < kFilterCombinations; ++combination) {
            const std::string filter = operation_filter(combination);
            list.push_back(db.prepare(std::string("SELECT ") + kOperationColumns + " FROM operations" + filter +
                                      " ORDER BY created_at DESC, operation_id DESC LIMIT ?4 OFFSET ?5"));
            count.push_back(db.prepare("SELECT COUNT(*) FROM operations" + filter));
        }
    }

    db::Statement insert;
    db::Statement update;
    db::Statement exists;
    db::Statement find;
    db::Statement load_unfinished;
    db::Statement count_by_status;
    db::Statement unfinished_statuses;
    db::Statement status_of;
    db::Statement delete_finished;
    std::vector<db::Statement> list;   // by filter combination
    std::vector<db::Statement> count;  // by filter combination
};

OperationRepository::OperationRepository(Database& database)
    : database_(database), statements_(std::make_unique<Statements>(database.db_)) {
    load_counts();
    database_.on_rollback([this] { load_counts(); });
}

void OperationRepository::load_counts() {
    counts_.clear();
    for (auto status : {OperationStatus::Queued, OperationStatus::Pending, OperationStatus::Running,
                        OperationStatus::Completed, OperationStatus::Failed, OperationStatus::Cancelled})
        counts_[status] = 0;
    {
        Use st(statements_->count_by_status);
        while (st->step()) counts_[operation_status(st->text(0))] = static_cast<std::size_t>(st->int64(1));
    }
    unfinished_.clear();
    Use st(statements_->unfinished_statuses);
    st->bind(1, to_string(OperationStatus::Queued));
    st->bind(2, to_string(OperationStatus::Pending));
    st->bind(3, to_string(OperationStatus::Running));
    while (st->step()) unfinished_.emplace(st->text(0), operation_status(st->text(1)));
}

void OperationRepository::count_move(const std::string& operation_id, OperationStatus from, OperationStatus to) {
    if (from != to) {
        --counts_[from];
        ++counts_[to];
    }
    if (is_terminal(to)) unfinished_.erase(operation_id);
    else unfinished_.insert_or_assign(operation_id, to);
}

OperationRepository::~OperationRepository() = default;

OperationRepository::Insert OperationRepository::insert(const OperationRecord& operation) {
    database_.before_write();
    Use st(statements_->insert);
    bind_operation(*st, operation);
    st->step();
    if (database_.db_.changes() != 1) return Insert::DuplicateId;
    ++counts_[operation.status];
    if (!is_terminal(operation.status)) unfinished_.emplace(operation.operation_id, operation.status);
    return Insert::Inserted;
}

void OperationRepository::update(const OperationRecord& operation) {
    std::optional<OperationStatus> from;
    if (const auto it = unfinished_.find(operation.operation_id); it != unfinished_.end()) {
        from = it->second;
    } else {
        // A finished one (never expected: the lifecycle ends there).
        Use st(statements_->status_of);
        st->bind(1, operation.operation_id);
        if (st->step()) from = operation_status(st->text(0));
    }
    database_.before_write();
    Use st(statements_->update);
    bind_operation(*st, operation);
    st->step();
    if (database_.db_.changes() != 1)
        throw std::runtime_error("update of operation '" + operation.operation_id + "', which has no row");
    count_move(operation.operation_id, *from, operation.status);
}

bool OperationRepository::exists(const std::string& operation_id) {
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
        --counts_[operation_status(st->text(1))];
    }
    return deleted;
}

std::optional<OperationRecord> OperationRepository::find(const std::string& operation_id) {
    Use st(statements_->find);
    st->bind(1, operation_id);
    if (!st->step()) return std::nullopt;
    return read_operation(*st);
}

std::vector<OperationRecord> OperationRepository::load_unfinished() {
    Use st(statements_->load_unfinished);
    st->bind(1, to_string(OperationStatus::Queued));
    st->bind(2, to_string(OperationStatus::Pending));
    st->bind(3, to_string(OperationStatus::Running));
    return read_operations(*st);
}

OperationRows OperationRepository::list(const OperationQuery& query) {
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
    if (!query.operation_type && !query.worker_id) {
        // By status or all of them: the counts in memory know, no COUNT(*) walks the rows.
        for (const auto& [status, n] : counts_)
            if (!query.status || status == *query.status) rows.total += n;
    } else {
        Use count(statements_->count[combination]);
        bind_filter(*count);
        count->step();
        rows.total = static_cast<std::size_t>(count->int64(0));
    }
    Use page(statements_->list[combination]);
    bind_filter(*page);
    page->bind(4, clamp_to_int64(query.limit));
    page->bind(5, clamp_to_int64(query.offset));
    rows.operations = read_operations(*page);
    return rows;
}

}  // namespace fleet::backend
