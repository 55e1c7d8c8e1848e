#include "backend/storage/database.hpp"

#include "backend/storage/checkpointer.hpp"
#include "backend/storage/migrations.hpp"

#include <utility>

namespace fleet::backend {
namespace {

// Pragmas run outside any transaction: journal_mode cannot change inside one.
// WAL keeps readers off the writer's back; NORMAL skips the fsync per commit,
// which in WAL mode can lose the last commits on power loss but never corrupts.
constexpr const char* kPragmas =
    "PRAGMA journal_mode=WAL;"
    "PRAGMA synchronous=NORMAL;"
    "PRAGMA foreign_keys=ON;";

}  // namespace

Database::Database(const std::string& path)
    : Database(path, Checkpointer::Limits{}.pages, Checkpointer::Limits{}.catch_up_pages) {}

Database::Database(const std::string& path, int checkpoint_pages, int catch_up_pages) : path_(path), db_(path) {
    db_.exec(kPragmas);
    migrate(db_, builtin_migrations());
    if (!in_memory()) {
        checkpointer_ = std::make_unique<Checkpointer>(path_, Checkpointer::Limits{checkpoint_pages, catch_up_pages});
        db_.on_wal_commit([this](int pages) {
            // Past the catch-up size the writer's turn (retried each commit while the
            // other one still runs); the thread is not asked meanwhile.
            if (checkpointer_->catch_up(pages)) db_.checkpoint();
            else checkpointer_->wal_grew(pages);
        });
    }
}

bool Database::in_memory() const {
    return path_ == ":memory:" || path_.empty() || path_.starts_with("file::memory:");
}

Database::~Database() {
    try {
        commit_batch();
    } catch (const std::exception&) {
        // Nothing written since the last commit was acknowledged to anyone.
    }
}

void Database::set_batch_scheduler(std::function<void(std::function<void()>)> schedule) {
    schedule_ = std::move(schedule);
}

void Database::before_write() {
    if (in_batch_) ++batch_writes_;
    open_batch();
}

void Database::open_batch() {
    if (!schedule_ || in_batch_) return;
    db_.exec("BEGIN IMMEDIATE");
    in_batch_ = true;
    schedule_([this] { commit_batch(); });
}

void Database::commit_batch() {
    if (!in_batch_) return;
    for (auto& write : std::exchange(before_commit_, {})) write();
    in_batch_ = false;
    last_batch_writes_ = std::exchange(batch_writes_, 0);
    db_.exec("COMMIT");
    // What they do may write again: that opens the next batch, not this one.
    for (auto& then : std::exchange(after_commit_, {})) then();
}

void Database::commit_all() {
    // Each round's followers write less than the last (an operation's end, its workflow's step, the
    // workflow); the bound only guards against a cycle, which ~Database would then commit.
    constexpr int kRounds = 16;
    for (int round = 0; in_batch_ && round < kRounds; ++round) commit_batch();
}

void Database::after_commit(std::function<void()> then) {
    if (in_batch_) after_commit_.push_back(std::move(then));
    else then();
}

void Database::before_commit(std::function<void()> write) {
    open_batch();  // not a row of its own: what it writes counts when it does
    if (in_batch_) before_commit_.push_back(std::move(write));
    else write();
}

void Database::on_rollback(std::function<void()> reload) { on_rollback_.push_back(std::move(reload)); }

}  // namespace fleet::backend
