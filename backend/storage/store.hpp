#pragma once

#include "backend/operations/operation_record.hpp"
#include "backend/registry/worker_record.hpp"
#include "common/db/sqlite.hpp"

#include <cstddef>
#include <functional>
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

    enum class Insert { Inserted, DuplicateId };
    // A new operation. Never overwrites: with an id already taken the stored
    // row stays as it was and the answer is DuplicateId.
    [[nodiscard]] Insert insert_operation(const OperationRecord& operation);
    // A change of a stored operation: everything but what a start fixes (domain,
    // operation_type, requirements, parameters, max_retries and created_at keep
    // their first values). Throws when no row has its id.
    void update_operation(const OperationRecord& operation);
    bool operation_exists(const std::string& operation_id);
    std::optional<OperationRecord> find_operation(const std::string& operation_id);
    std::vector<OperationRecord> load_unfinished_operations();  // queued, pending, running
    OperationRows list_operations(const OperationQuery& query);
    std::map<OperationStatus, std::size_t> count_operations_by_status();
    // Deletes at most `limit` finished operations (completed, failed, cancelled)
    // that ended before `cutoff`, oldest first; returns their ids.
    std::vector<std::string> delete_finished_before(SystemTime cutoff, std::size_t limit);

    // Runs `work` all or nothing (a savepoint, so it also nests inside a batch).
    template <typename Work>
    void transaction(Work&& work) {
        before_write();
        db_.exec("SAVEPOINT store_tx");
        try {
            work();
        } catch (...) {
            db_.exec("ROLLBACK TO store_tx");
            db_.exec("RELEASE store_tx");
            throw;
        }
        db_.exec("RELEASE store_tx");
    }

    // Group commit. With a scheduler, the first write opens a transaction and
    // hands commit_batch() to the scheduler, which runs it after the work
    // already queued; so one commit serves every write in between. Whoever
    // acknowledges a write must do so after that commit (the backend posts
    // its replies behind it on the same thread).
    void set_batch_scheduler(std::function<void(std::function<void()>)> schedule);
    void commit_batch();
    // Runs `then` once everything written so far is committed: right after the
    // pending group commit, or at once when nothing is pending. The commit
    // rule made a call: every acknowledgement and every event goes through it.
    void after_commit(std::function<void()> then);
    // A write put off to the group commit: `write` runs just before COMMIT, in
    // the same transaction, so several changes of one record in a batch cost
    // one write. Without a scheduler it runs at once.
    void before_commit(std::function<void()> write);

private:
    void before_write();

    std::function<void(std::function<void()>)> schedule_;
    bool in_batch_ = false;
    std::vector<std::function<void()>> before_commit_;
    std::vector<std::function<void()>> after_commit_;
    struct Statements;
    db::Database db_;
    std::unique_ptr<Statements> statements_;
};

}  // namespace fleet::backend
