#include "backend/storage/checkpointer.hpp"

#include "common/db/sqlite.hpp"
#include "common/log.hpp"

#include <exception>
#include <utility>

namespace fleet::backend {

Checkpointer::Checkpointer(std::string path, Limits limits)
    : path_(std::move(path)), limits_(limits), thread_([this] { run(); }) {}

Checkpointer::~Checkpointer() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_one();
    thread_.join();
}

void Checkpointer::wal_grew(int pages) {
    if (pages < requested_at_) requested_at_ = 0;  // the WAL started over
    if (pages - requested_at_ < limits_.pages) return;
    requested_at_ = pages;
    {
        std::lock_guard lock(mutex_);
        if (wanted_) return;
        wanted_ = true;
    }
    wake_.notify_one();
}

void Checkpointer::run() {
    try {
        db::Database db(path_);
        for (;;) {
            {
                std::unique_lock lock(mutex_);
                wake_.wait(lock, [this] { return wanted_ || stopping_; });
                if (stopping_) return;
                wanted_ = false;
            }
            // PASSIVE: copies what no reader still needs, never waits for the writer.
            db.exec("PRAGMA wal_checkpoint(PASSIVE)");
        }
    } catch (const std::exception& error) {
        // The WAL then only grows until the last connection closes (which checkpoints): worth a line, not a stop.
        log::error("WAL checkpoints stopped: ", error.what());
    }
}

}  // namespace fleet::backend
