#include "backend/storage/operation_reader.hpp"

#include "backend/storage/database.hpp"
#include "backend/storage/operation_columns.hpp"
#include "backend/storage/sqlite_rows.hpp"

#include <array>
#include <limits>
#include <vector>

namespace fleet::backend {
namespace {

using namespace sqlite_rows;
using operation_columns::kColumns;

// The list filters (operation_type ?1, status ?2, worker_id ?3) and the
// cursor (?6, ?7), one bit each. Every combination has a statement of its
// own, naming only the terms it has, so that SQLite can pick the matching
// index ("?2 IS NULL OR status = ?2" in one shared statement made it scan
// every row). The cursor is a key, not a count: a page deep in the list costs
// what the first one does, where OFFSET walks every row it skips. The worker's
// index holds only operations that have one (migration 0007): its term says so,
// or SQLite could not use it, and an empty worker_id matches nothing.
constexpr std::array<const char*, 4> kFilterTerms{"operation_type = ?1", "status = ?2",
                                                  "worker_id = ?3 AND worker_id <> ''",
                                                  "(created_at, operation_id) < (?6, ?7)"};
constexpr std::size_t kFilterCombinations = std::size_t{1} << kFilterTerms.size();
constexpr std::size_t kCursorBit = 8;

std::string operation_filter(std::size_t combination) {
    std::string where;
    for (std::size_t i = 0; i < kFilterTerms.size(); ++i)
        if (combination & (std::size_t{1} << i)) where += (where.empty() ? " WHERE " : " AND ") + std::string(kFilterTerms[i]);
    return where;
}

}  // namespace

struct OperationReader::Connection {
    Connection(std::unique_ptr<db::Database> own_connection, db::Database& db)
        : own(std::move(own_connection)),
          find(db.prepare(std::string("SELECT ") + kColumns + " FROM operations WHERE operation_id = ?1")) {
        for (std::size_t combination = 0; combination < kFilterCombinations; ++combination) {
            const std::string filter = operation_filter(combination);
            list.push_back(db.prepare(std::string("SELECT ") + kColumns + " FROM operations" + filter +
                                      " ORDER BY created_at DESC, operation_id DESC LIMIT ?4 OFFSET ?5"));
            // The total counts every match, wherever the page starts.
            if (!(combination & kCursorBit)) count.push_back(db.prepare("SELECT COUNT(*) FROM operations" + filter));
        }
    }

    std::unique_ptr<db::Database> own;  // empty when it shares the core's
    db::Statement find;
    std::vector<db::Statement> list;   // by filter combination
    std::vector<db::Statement> count;  // by filter combination, without the cursor
};

namespace {

std::unique_ptr<db::Database> open_read_only(const std::string& path) {
    auto db = std::make_unique<db::Database>(path);
    db->exec("PRAGMA query_only=ON");
    return db;
}

}  // namespace

OperationReader::OperationReader(const std::string& path) {
    auto own = open_read_only(path);
    auto& db = *own;
    connection_ = std::make_unique<Connection>(std::move(own), db);
}

OperationReader::OperationReader(Database& database)
    : connection_(std::make_unique<Connection>(nullptr, database.db_)) {}

OperationReader::~OperationReader() = default;

OperationRows OperationReader::list(const OperationQuery& query, std::optional<std::size_t> total) {
    std::size_t combination = 0;
    if (query.operation_type) combination |= 1;
    if (query.status) combination |= 2;
    if (query.worker_id) combination |= 4;
    const auto bind_filter = [&](db::Statement& st) {
        if (query.operation_type) st.bind(1, *query.operation_type);
        if (query.status) st.bind(2, to_string(*query.status));
        if (query.worker_id) st.bind(3, *query.worker_id);
    };
    const std::size_t page_combination = combination | (query.after ? kCursorBit : 0);

    OperationRows rows;
    if (total) {
        rows.total = *total;
    } else {
        Use count(connection_->count[combination]);
        bind_filter(*count);
        count->step();
        rows.total = static_cast<std::size_t>(count->int64(0));
    }
    Use page(connection_->list[page_combination]);
    bind_filter(*page);
    if (query.after) {
        page->bind(6, query.after->created_ms);
        page->bind(7, query.after->operation_id);
    }
    // One row more than the page: whether another page follows.
    const bool unbounded = query.limit >= static_cast<std::size_t>(std::numeric_limits<std::int64_t>::max());
    page->bind(4, unbounded ? clamp_to_int64(query.limit) : clamp_to_int64(query.limit + 1));
    page->bind(5, clamp_to_int64(query.offset));
    rows.operations = operation_columns::read_all(*page);
    if (rows.operations.size() > query.limit) {
        rows.operations.resize(query.limit);
        if (!rows.operations.empty()) rows.next = cursor_of(rows.operations.back());
    }
    return rows;
}

std::optional<OperationRecord> OperationReader::find(const std::string& operation_id) {
    Use st(connection_->find);
    st->bind(1, operation_id);
    if (!st->step()) return std::nullopt;
    return operation_columns::read(*st);
}

}  // namespace fleet::backend
