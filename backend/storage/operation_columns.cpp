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

const std::vector<std::string_view> kFixedColumns{"domain",     "operation_type", "requirements",
                                                  "parameters", "max_retries",    "created_at"};

void bind(db::Statement& st, const OperationRecord& op, Texts& texts, Bind which) {
    // Numbered as in kColumns.
    st.bind_kept(1, op.operation_id);
    st.bind_kept(4, to_string(op.status));
    st.bind(5, op.priority);
    st.bind(9, op.attempts);
    st.bind(10, op.worker_losses);
    st.bind_kept(11, op.worker_id);
    st.bind_kept(12, op.worker_instance_id);
    st.bind_kept(13, texts.progress = to_json(op.progress));
    st.bind_kept(14, texts.result = to_json(op.result));
    st.bind_kept(15, op.error_message);
    st.bind(17, to_ms(op.updated_at));
    st.bind(18, to_ms(op.started_at));
    st.bind(19, to_ms(op.completed_at));
    st.bind(20, to_ms(op.refreshed_at));
    st.bind(21, to_ms(op.unknown_since));
    if (which == Bind::Changing) return;
    st.bind_kept(2, op.domain);
    st.bind_kept(3, op.operation_type);
    st.bind_kept(6, texts.requirements = to_json(op.requirements));
    st.bind_kept(7, texts.parameters = to_json(op.parameters));
    st.bind(8, op.max_retries);
    st.bind(16, to_ms(op.created_at));
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
