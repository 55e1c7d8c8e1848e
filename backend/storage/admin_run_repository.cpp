#include "backend/storage/admin_run_repository.hpp"

#include "backend/storage/database.hpp"
#include "backend/storage/sqlite_rows.hpp"

#include <string>

namespace fleet::backend {
namespace {

using namespace sqlite_rows;

constexpr const char* kRunColumns =
    "run_id, bot, params, is_strict, idempotency_key, fingerprint, warning, rerun_of, created_at";
// The same, in a join with the operations.
constexpr const char* kJoinedRunColumns =
    "r.run_id, r.bot, r.params, r.is_strict, r.idempotency_key, r.fingerprint, r.warning, r.rerun_of, r.created_at";

// The filters of a list, each off when its parameter is NULL: one statement
// for every combination, since runs are few (started by hand) and the bot's
// and created_at's indexes serve the usual questions.
constexpr const char* kListWhere =
    " FROM admin_runs r JOIN operations o ON o.operation_id = r.run_id"
    " WHERE (?1 IS NULL OR r.bot = ?1)"
    " AND (?2 IS NULL OR o.status IN (?2, ?3))"
    " AND (?4 IS NULL OR r.created_at >= ?4)";

void bind_run(db::Statement& st, const AdminRunRecord& run) {
    int i = 0;
    st.bind(++i, run.run_id);
    st.bind(++i, run.bot);
    st.bind(++i, to_json(run.params));
    st.bind(++i, std::int64_t{run.strict ? 1 : 0});
    if (run.idempotency_key.empty()) st.bind(++i, nullptr);
    else st.bind(++i, run.idempotency_key);
    st.bind(++i, run.fingerprint);
    st.bind(++i, run.warning);
    st.bind(++i, run.rerun_of);
    st.bind(++i, to_ms(run.created_at));
}

// Columns in the order of kRunColumns.
AdminRunRecord read_run(const db::Statement& row) {
    AdminRunRecord run;
    int c = 0;
    run.run_id = row.text(c++);
    run.bot = row.text(c++);
    run.params = parse_object(row.text(c++), "admin_runs.params");
    run.strict = row.int64(c++) != 0;
    run.idempotency_key = row.is_null(c) ? std::string{} : row.text(c);
    ++c;
    run.fingerprint = row.text(c++);
    run.warning = row.text(c++);
    run.rerun_of = row.text(c++);
    run.created_at = from_ms(row.int64(c++));
    return run;
}

}  // namespace

struct AdminRunRepository::Statements {
    explicit Statements(db::Database& db)
        : insert(db.prepare(insert_sql("admin_runs", kRunColumns) + " DO NOTHING")),
          find(db.prepare(std::string("SELECT ") + kRunColumns + " FROM admin_runs WHERE run_id = ?1")),
          find_by_key(db.prepare(std::string("SELECT ") + kRunColumns + " FROM admin_runs WHERE idempotency_key = ?1")),
          forget_key(db.prepare("UPDATE admin_runs SET idempotency_key = NULL WHERE run_id = ?1")),
          load_active(db.prepare(
              "SELECT r.run_id, r.bot FROM admin_runs r JOIN operations o ON o.operation_id = r.run_id"
              " WHERE o.status IN ('queued', 'pending', 'running') ORDER BY r.created_at, r.run_id")),
          list(db.prepare(std::string("SELECT ") + kJoinedRunColumns + kListWhere +
                          " ORDER BY r.created_at DESC, r.run_id DESC LIMIT ?5 OFFSET ?6")),
          count(db.prepare(std::string("SELECT COUNT(*)") + kListWhere)) {}

    db::Statement insert;
    db::Statement find;
    db::Statement find_by_key;
    db::Statement forget_key;
    db::Statement load_active;
    db::Statement list;
    db::Statement count;
};

AdminRunRepository::AdminRunRepository(Database& database)
    : database_(database), statements_(std::make_unique<Statements>(database.db_)) {}

AdminRunRepository::~AdminRunRepository() = default;

void AdminRunRepository::insert(const AdminRunRecord& run) {
    database_.before_write();
    Use st(statements_->insert);
    bind_run(*st, run);
    st->step();
}

std::optional<AdminRunRecord> AdminRunRepository::find(const std::string& run_id) {
    Use st(statements_->find);
    st->bind(1, run_id);
    if (!st->step()) return std::nullopt;
    return read_run(*st);
}

std::optional<AdminRunRecord> AdminRunRepository::find_by_key(const std::string& idempotency_key) {
    Use st(statements_->find_by_key);
    st->bind(1, idempotency_key);
    if (!st->step()) return std::nullopt;
    return read_run(*st);
}

void AdminRunRepository::forget_key(const std::string& run_id) {
    database_.before_write();
    Use st(statements_->forget_key);
    st->bind(1, run_id);
    st->step();
}

std::vector<std::pair<std::string, std::string>> AdminRunRepository::load_active() {
    Use st(statements_->load_active);
    std::vector<std::pair<std::string, std::string>> active;
    while (st->step()) active.emplace_back(st->text(0), st->text(1));
    return active;
}

AdminRunRepository::Page AdminRunRepository::list(const RunQuery& query) {
    const auto bind_filters = [&query](db::Statement& st) {
        if (query.bot) st.bind(1, *query.bot);
        else st.bind(1, nullptr);
        if (query.status) {
            const auto statuses = operation_statuses_of(*query.status);
            st.bind(2, to_string(statuses.first));
            st.bind(3, to_string(statuses.second));
        } else {
            st.bind(2, nullptr);
            st.bind(3, nullptr);
        }
        if (query.since) st.bind(4, to_ms(*query.since));
        else st.bind(4, nullptr);
    };
    Page page;
    page.total = read_page(statements_->count, statements_->list, bind_filters, 5, query.limit, query.offset, page.runs,
                           read_run);
    return page;
}

}  // namespace fleet::backend
