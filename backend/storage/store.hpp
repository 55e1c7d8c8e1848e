#pragma once

#include "backend/operations/operation_record.hpp"
#include "backend/registry/worker_record.hpp"
#include "common/db/sqlite.hpp"

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace fleet::backend {

struct OperationQuery {
    std::optional<std::string> operation_type;
    std::optional<OperationStatus> status;
    std::optional<std::string> worker_id;
    std::size_t limit = 100;
    std::size_t offset = 0;
};

struct OperationRows {
    std::vector<OperationRecord> operations;  // newest first (created_at, then id)
    std::size_t total = 0;                    // matching, before paging
};

// The backend's SQLite file: workers and operations (the queue is the
// operations whose status is `queued`). Not thread-safe: one thread (the
// backend's core thread, never an I/O thread) uses it. Statements are
// prepared once.
class Store {
public:
    // `path` may be ":memory:". Opens in WAL mode and creates the schema.
    explicit Store(const std::string& path);
    ~Store();
    Store(const Store&) = delete;
    Store& operator=(const Store&) = delete;

    void save_worker(const WorkerRecord& worker);  // insert or replace
    void delete_worker(const std::string& worker_id);
    std::vector<WorkerRecord> load_workers();

    void save_operation(const OperationRecord& operation);  // insert or replace
    std::optional<OperationRecord> find_operation(const std::string& operation_id);
    std::vector<OperationRecord> load_unfinished_operations();  // queued, pending, running
    OperationRows list_operations(const OperationQuery& query);
    std::map<OperationStatus, std::size_t> count_operations_by_status();

    // Runs `work` in one transaction (committed, or rolled back if it throws).
    template <typename Work>
    void transaction(Work&& work) {
        db::Transaction tx(db_);
        work();
        tx.commit();
    }

private:
    struct Statements;
    db::Database db_;
    std::unique_ptr<Statements> statements_;
};

}  // namespace fleet::backend
