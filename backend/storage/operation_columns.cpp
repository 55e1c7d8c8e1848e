#include "backend/storage/operation_columns.hpp"

#include "backend/storage/sqlite_rows.hpp"

namespace fleet::backend::operation_columns {

using namespace sqlite_rows;

const char* const kColumns =
    "operation_id, domain, operation_type, status, priority, requirements, parameters, max_retries, attempts, "
    "worker_losses, worker_id, worker_instance_id, progress, result, error_message, created_at, updated_at, "
    "started_at, completed_at, refreshed_at, unknown_since";

OperationStatus status(const std::string& text) {
    const auto parsed = parse_operation_status(text);
    if (!parsed) bad_column("operations.status", "has an unknown value '" + text + "'");
    return *parsed;
}

void bind(db::Statement& st, const OperationRecord& op) {
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

OperationRecord read(const db::Statement& row) {
    OperationRecord op;
    int c = 0;
    op.operation_id = row.text(c++);
    op.domain = row.text(c++);
    op.operation_type = row.text(c++);
    op.status = status(row.text(c++));
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

std::vector<OperationRecord> read_all(db::Statement& st) {
    std::vector<OperationRecord> operations;
    while (st.step()) operations.push_back(read(st));
    return operations;
}

}  // namespace fleet::backend::operation_columns
