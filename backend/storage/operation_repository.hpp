#pragma once

#include "backend/operations/operation_record.hpp"
#include "backend/storage/operation_query.hpp"

#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace fleet::backend {

class Database;
class OperationReader;

// The operations as stored (the queue is the operations whose status is
// `queued`). Statements are prepared once; used on the core thread, like the
// Database it writes through.
class OperationRepository {
public:
    explicit OperationRepository(Database& database);
    ~OperationRepository();
    OperationRepository(const OperationRepository&) = delete;
    OperationRepository& operator=(const OperationRepository&) = delete;

    enum class Insert { Inserted, DuplicateId };
    // A new operation. Never overwrites: with an id already taken the stored
    // row stays as it was and the answer is DuplicateId.
    [[nodiscard]] Insert insert(const OperationRecord& operation);
    // A change of a stored operation: everything but what a start fixes (domain,
    // operation_type, requirements, parameters, max_retries and created_at keep
    // their first values). Throws when no row has its id.
    void update(const OperationRecord& operation);
    // Runs `write` just before the pending group commit (Database::before_commit).
    void before_commit(std::function<void()> write);
    // Whether a stored operation has this id. An id after every stored one with
    // the same prefix (up to its first '_'; ids drawn in time order are) is
    // answered from memory, without a lookup.
    bool exists(const std::string& operation_id);
    std::optional<OperationRecord> find(const std::string& operation_id);
    std::vector<OperationRecord> load_unfinished();  // queued, pending, running
    // Every status with its number of operations, zero included. Kept in
    // memory: counted once when the repository opens, then moved by every
    // insert, update and delete made through it (uncommitted ones included;
    // answers wait for the commit anyway).
    const std::map<OperationStatus, std::size_t>& count_by_status() const { return counts_; }
    // How many operations a list with `query` has, when the counts know
    // (a status filter or none); else nothing, and the list counts itself.
    std::optional<std::size_t> known_total(const OperationQuery& query) const;
    // Deletes at most `limit` finished operations (completed, failed, cancelled)
    // that ended before `cutoff`, oldest first; returns their ids.
    std::vector<std::string> delete_finished_before(SystemTime cutoff, std::size_t limit);

private:
    void load_counts();
    void count_move(const OperationRecord& operation, OperationStatus from);

    struct Statements;
    Database& database_;
    std::unique_ptr<Statements> statements_;
    std::unique_ptr<OperationReader> reader_;  // on the same connection: reads of what this thread wrote
    std::map<OperationStatus, std::size_t> counts_;
    // The stored status and worker of every unfinished operation: what an update
    // moves it from, and whether it moves it in an index. A finished one never
    // changes again, so it needs no entry.
    struct Stored {
        OperationStatus status;
        std::string worker_id;
    };
    std::unordered_map<std::string, Stored> unfinished_;
    // The greatest stored id of each prefix exists() was asked about (forgotten on a rollback).
    std::unordered_map<std::string, std::string> newest_;
};

}  // namespace fleet::backend
