#include "backend/storage/worker_repository.hpp"

#include "backend/storage/database.hpp"
#include "backend/storage/sqlite_rows.hpp"

#include <string>

namespace fleet::backend {
namespace {

using namespace sqlite_rows;

constexpr const char* kWorkerColumns =
    "worker_id, worker_type, domain, endpoint_url, capabilities, max_concurrent, version, instance_id, status, "
    "operations, last_health_check, health_check_failures, registered_at, unavailable_since, last_dispatched_at";

WorkerStatus worker_status(const std::string& text) {
    const auto status = parse_worker_status(text);
    if (!status) bad_column("workers.status", "has an unknown value '" + text + "'");
    return *status;
}

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

}  // namespace

struct WorkerRepository::Statements {
    explicit Statements(db::Database& db)
        // INSERT ... ON CONFLICT DO UPDATE rather than INSERT OR REPLACE: an update in
        // place, so rows that later tables reference by foreign key are not deleted.
        : save(db.prepare(upsert_sql("workers", kWorkerColumns))),
          remove(db.prepare("DELETE FROM workers WHERE worker_id = ?1")),
          load_all(db.prepare(std::string("SELECT ") + kWorkerColumns + " FROM workers ORDER BY worker_id")) {}

    db::Statement save;
    db::Statement remove;
    db::Statement load_all;
};

WorkerRepository::WorkerRepository(Database& database)
    : database_(database), statements_(std::make_unique<Statements>(database.db_)) {}

WorkerRepository::~WorkerRepository() = default;

void WorkerRepository::save(const WorkerRecord& worker) {
    database_.before_write();
    Use st(statements_->save);
    bind_worker(*st, worker);
    st->step();
}

void WorkerRepository::remove(const std::string& worker_id) {
    database_.before_write();
    Use st(statements_->remove);
    st->bind(1, worker_id);
    st->step();
}

std::vector<WorkerRecord> WorkerRepository::load_all() {
    Use st(statements_->load_all);
    std::vector<WorkerRecord> workers;
    while (st->step()) workers.push_back(read_worker(*st));
    return workers;
}

}  // namespace fleet::backend
