#include "backend/storage/workflow_repository.hpp"

#include "backend/storage/database.hpp"
#include "backend/storage/sqlite_rows.hpp"
#include "common/log.hpp"

#include <stdexcept>

namespace fleet::backend {
namespace {

using namespace sqlite_rows;
using workflows::WorkflowState;

constexpr const char* kColumns =
    "workflow_id, name, status, active, schedule_id, scheduled_for, created_at, updated_at, definition, state";
constexpr const char* kSelect = "SELECT workflow_id, definition, state";
constexpr const char* kRead = "SELECT workflow_id, definition, state FROM workflows";  // kSelect, whole table

// A list's WHERE for the filters it has (bit 0 status, 1 name, 2 schedule_id):
// a statement for each combination, so that SQLite picks the index of the
// filter (a scan of every row's JSON would cost the core its throughput).
std::string list_where(unsigned filters) {
    std::string where;
    const auto add = [&where](const char* condition) { where += (where.empty() ? " WHERE " : " AND ") + std::string(condition); };
    if (filters & 1u) add("status = ?1");
    if (filters & 2u) add("name = ?2");
    // The second term lets SQLite use the partial index on (schedule_id, scheduled_for).
    if (filters & 4u) add("schedule_id = ?3 AND schedule_id <> ''");
    return " FROM workflows" + where;
}

void bind_run(db::Statement& st, const WorkflowState& w) {
    st.bind(1, w.workflow_id);
    st.bind(3, to_string(w.status));
    st.bind(4, std::int64_t{w.settled() ? 0 : 1});
    st.bind(8, to_ms(w.updated_at));
    st.bind(10, to_json(boost::json::value(workflows::to_json(w))));
}

WorkflowState read_workflow(const db::Statement& row) {
    const std::string id = row.text(0);
    auto parsed = workflows::parse_definition(parse_object(row.text(1), "workflows.definition"));
    if (const auto* error = std::get_if<workflows::DefinitionError>(&parsed))
        bad_column("workflows.definition", "of " + id + " no longer validates: " + error->message);
    auto definition = std::make_shared<const workflows::WorkflowDefinition>(
        std::move(std::get<workflows::WorkflowDefinition>(parsed)));
    return workflows::state_from_json(id, std::move(definition), parse_object(row.text(2), "workflows.state"));
}

}  // namespace

struct WorkflowRepository::Statements {
    explicit Statements(db::Database& db)
        : insert(db.prepare(insert_sql("workflows", kColumns) + " DO NOTHING")),
          // The status and `active` (and their indexes) are rewritten only when they changed:
          // most changes are a step's.
          update_run(db.prepare("UPDATE workflows SET updated_at = ?8, state = ?10 WHERE workflow_id = ?1")),
          update_status(db.prepare(
              "UPDATE workflows SET status = ?3, active = ?4, updated_at = ?8, state = ?10 WHERE workflow_id = ?1")),
          find(db.prepare(std::string(kRead) + " WHERE workflow_id = ?1")),
          load_active(db.prepare(std::string(kRead) + " WHERE active = 1 ORDER BY created_at, workflow_id")),
          count_by_status(db.prepare("SELECT status, COUNT(*) FROM workflows GROUP BY status")),
          delete_settled(db.prepare("DELETE FROM workflows WHERE workflow_id IN (SELECT workflow_id FROM workflows"
                                    " WHERE active = 0 AND updated_at < ?1 ORDER BY updated_at LIMIT ?2)")),
          db(db) {}

    db::Statement insert;
    db::Statement update_run;
    db::Statement update_status;
    db::Statement find;
    db::Statement load_active;
    db::Statement count_by_status;
    db::Statement delete_settled;
    db::Database& db;
    // Prepared on first use, by filter combination: (count, list).
    std::map<unsigned, std::pair<db::Statement, db::Statement>> lists;

    std::pair<db::Statement, db::Statement>& list_for(unsigned filters) {
        auto it = lists.find(filters);
        if (it != lists.end()) return it->second;
        const auto where = list_where(filters);
        return lists
            .emplace(filters, std::pair{db.prepare("SELECT COUNT(*)" + where),
                                        db.prepare(std::string(kSelect) + where +
                                                   " ORDER BY created_at DESC, workflow_id DESC LIMIT ?4 OFFSET ?5")})
            .first->second;
    }
};

WorkflowRepository::WorkflowRepository(Database& database)
    : database_(database), statements_(std::make_unique<Statements>(database.db_)) {}

WorkflowRepository::~WorkflowRepository() = default;

void WorkflowRepository::insert(const WorkflowState& w) {
    database_.before_write();
    Use st(statements_->insert);
    bind_run(*st, w);
    st->bind(2, w.definition->name);
    st->bind(5, w.schedule_id);
    st->bind(6, to_ms(w.scheduled_for));
    st->bind(7, to_ms(w.created_at));
    st->bind(9, to_json(boost::json::value(workflows::to_json(*w.definition))));
    st->step();
    // Never overwritten, and never a reason to stop the commit that carries everything else.
    if (database_.db_.changes() == 0)
        log::error("workflow ", w.workflow_id, " was not stored: its id or its (schedule_id, scheduled_for) exists");
}

void WorkflowRepository::update(const WorkflowState& w, bool columns_changed) {
    database_.before_write();
    Use st(columns_changed ? statements_->update_status : statements_->update_run);
    bind_run(*st, w);
    st->step();
}

std::optional<WorkflowState> WorkflowRepository::find(const std::string& workflow_id) {
    Use st(statements_->find);
    st->bind(1, workflow_id);
    if (!st->step()) return std::nullopt;
    return read_workflow(*st);
}

std::vector<WorkflowState> WorkflowRepository::load_active() {
    Use st(statements_->load_active);
    std::vector<WorkflowState> active;
    while (st->step()) active.push_back(read_workflow(*st));
    return active;
}

std::map<workflows::WorkflowStatus, std::size_t> WorkflowRepository::count_by_status() {
    Use st(statements_->count_by_status);
    std::map<workflows::WorkflowStatus, std::size_t> counts;
    while (st->step()) {
        if (const auto status = workflows::parse_workflow_status(st->text(0)))
            counts[*status] = static_cast<std::size_t>(st->int64(1));
    }
    return counts;
}

std::size_t WorkflowRepository::delete_settled_before(SystemTime cutoff, std::size_t limit) {
    database_.before_write();
    return delete_older(database_.db_, statements_->delete_settled, cutoff, limit);
}

WorkflowRepository::Page WorkflowRepository::list(const WorkflowQuery& query) {
    const unsigned filters = (query.status ? 1u : 0u) | (query.name ? 2u : 0u) | (query.schedule_id ? 4u : 0u);
    const auto bind_filters = [&query](db::Statement& st) {
        if (query.status) st.bind(1, to_string(*query.status));
        if (query.name) st.bind(2, *query.name);
        if (query.schedule_id) st.bind(3, *query.schedule_id);
    };
    auto& [count, list] = statements_->list_for(filters);
    Page page;
    page.total = read_page(count, list, bind_filters, 4, query.limit, query.offset, page.workflows, read_workflow);
    return page;
}

}  // namespace fleet::backend
