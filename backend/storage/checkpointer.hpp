#pragma once

#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

namespace fleet::backend {

// WAL checkpoints off the core thread. SQLite's automatic checkpoint runs
// inside the commit that takes the WAL past 1,000 pages, on the writer's
// thread, and syncs the database file there: a stall of milliseconds on the
// core thread every few hundred operations, which every answer waiting for
// that commit shares. Instead, the core's connection reports the WAL's size
// after each commit (`wal_grew`); every `pages` of growth, this thread copies
// the WAL back into the database on a connection of its own, PASSIVE, so the
// writer does not wait for it.
//
// SQLite starts the WAL file over only once a checkpoint has caught up with
// it completely, which one running beside a busy writer seldom does. So past
// `catch_up_pages` the writer finishes the job itself (`catch_up` says when;
// the thread is not asked meanwhile): most frames are copied by then, what is
// left is short.
class Checkpointer {
public:
    struct Limits {
        // SQLite's own threshold. 250 shortened the open loop's tail (start p99 11.4 -> 9.3 ms at
        // 1,000 starts/s) but checkpointed four times as often, and each checkpoint's syncs hold up
        // the writer's WAL appends: one client's round trip p50 0.61 -> 1.03 ms, 64 clients at
        // --max-concurrent 1 completed 14% fewer. 4,000 made the tail worse (p99 45 ms).
        int pages = 1000;
        int catch_up_pages = 16 * 1000;  // 64 MiB of WAL at most, give or take a commit
    };

    Checkpointer(std::string path, Limits limits);  // starts the thread
    ~Checkpointer();                          // joins (closing the last connection checkpoints)
    Checkpointer(const Checkpointer&) = delete;
    Checkpointer& operator=(const Checkpointer&) = delete;

    // After a commit, with the pages the WAL holds; on the writer's thread, cheap.
    void wal_grew(int pages);
    // Whether the writer should checkpoint the rest itself now.
    bool catch_up(int pages) const { return pages >= limits_.catch_up_pages; }

private:
    void run();

    const std::string path_;
    const Limits limits_;
    int requested_at_ = 0;  // the WAL's pages at the last request (writer's thread)
    std::mutex mutex_;
    std::condition_variable wake_;
    bool wanted_ = false;
    bool stopping_ = false;
    std::thread thread_;
};

}  // namespace fleet::backend
