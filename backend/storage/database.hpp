#pragma once

#include "common/db/sqlite.hpp"

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace fleet::backend {

class Checkpointer;

// The backend's SQLite file as the core thread writes it: the connection, its
// pragmas, the schema's migrations and the group commit. The repositories
// (workers, operations) read and write through it. Not thread-safe: one
// thread (the core thread, never an I/O thread) uses it.
class Database {
public:
    // `path` may be ":memory:". Opens in WAL mode and migrates the schema to
    // this build's version; throws for a file of a newer build.
    explicit Database(const std::string& path);
    // With the WAL checkpointed at other sizes than the default (tests).
    Database(const std::string& path, int checkpoint_pages, int catch_up_pages);
    ~Database();  // commits what is pending
    Database(const Database&) = delete;
    Database& operator=(const Database&) = delete;

    const std::string& path() const { return path_; }
    // ":memory:" and the like: no second connection can see it.
    bool in_memory() const;

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
            for (const auto& reload : on_rollback_) reload();
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
    // At shutdown, when nobody runs the scheduled commits any more: commits what is pending, then
    // what the commit's own followers wrote (an event whose subscriber writes opens a new batch),
    // until nothing is pending.
    void commit_all();
    // Rows the last committed batch wrote: how busy the core is (CommitPacer).
    std::size_t last_batch_writes() const { return last_batch_writes_; }
    // Runs `then` once everything written so far is committed: right after the
    // pending group commit, or at once when nothing is pending. The commit
    // rule made a call: every acknowledgement and every event goes through it.
    void after_commit(std::function<void()> then);
    // A write put off to the group commit: `write` runs just before COMMIT, in
    // the same transaction, so several changes of one record in a batch cost
    // one write. Without a scheduler it runs at once.
    void before_commit(std::function<void()> write);
    // Runs `reload` whenever transaction() rolls back, so that what a
    // repository keeps in memory matches the file again.
    void on_rollback(std::function<void()> reload);

private:
    // The repositories prepare their statements on the connection and call
    // before_write() ahead of every write; nobody else sees SQLite.
    friend class WorkerRepository;
    friend class AdminRunRepository;
    friend class WorkflowRepository;
    friend class ScheduleRepository;
    friend class OperationRepository;
    friend class OperationReader;
    void before_write();
    void open_batch();  // BEGIN and the commit scheduled, unless a batch is open (or no scheduler)

    std::string path_;
    db::Database db_;
    std::function<void(std::function<void()>)> schedule_;
    bool in_batch_ = false;
    std::size_t batch_writes_ = 0;
    std::size_t last_batch_writes_ = 0;
    std::vector<std::function<void()>> before_commit_;
    std::vector<std::function<void()>> after_commit_;
    std::vector<std::function<void()>> on_rollback_;
    std::unique_ptr<Checkpointer> checkpointer_;  // a file's WAL, checkpointed off this thread
};

}  // namespace fleet::backend
