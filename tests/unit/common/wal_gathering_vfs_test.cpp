#include "common/db/sqlite.hpp"
#include "common/db/wal_gathering_vfs.hpp"

#include <catch2/catch.hpp>

#include <sqlite3.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>

using fleet::db::Database;

namespace {

namespace fs = std::filesystem;

// A fresh directory for one test's database, removed afterwards.
struct Scratch {
    fs::path dir = fs::temp_directory_path() / ("fleet_wal_vfs_" + std::to_string(::getpid()) + "_" +
                                                std::to_string(::random()));
    Scratch() { fs::create_directories(dir); }
    ~Scratch() { fs::remove_all(dir); }
    std::string db() const { return (dir / "test.db").string(); }
};

// Counts the base VFS's pwrite calls while it lives (every file: the tests checkpoint by hand).
class CountedWrites {
public:
    CountedWrites() : unix_(sqlite3_vfs_find("unix")) {
        name_ = unix_->xGetSystemCall(unix_, "pwrite64") ? "pwrite64" : "pwrite";
        real_ = reinterpret_cast<Pwrite>(unix_->xGetSystemCall(unix_, name_));
        REQUIRE(real_);
        unix_->xSetSystemCall(unix_, name_, reinterpret_cast<sqlite3_syscall_ptr>(&counted));
    }
    ~CountedWrites() { unix_->xSetSystemCall(unix_, name_, nullptr); }  // nullptr: back to the default
    CountedWrites(const CountedWrites&) = delete;
    CountedWrites& operator=(const CountedWrites&) = delete;

    static int take() { return std::exchange(count_, 0); }
    static void fail_with(int error) { fail_with_ = error; }  // every write fails with this errno; 0: none

private:
    using Pwrite = ssize_t (*)(int, const void*, size_t, off_t);
    static ssize_t counted(int fd, const void* data, size_t size, off_t offset) {
        ++count_;
        if (fail_with_ != 0) {
            errno = fail_with_;
            return -1;
        }
        return real_(fd, data, size, offset);
    }
    sqlite3_vfs* unix_;
    const char* name_;
    static inline Pwrite real_ = nullptr;
    static inline int count_ = 0;
    static inline int fail_with_ = 0;
};

void use_wal(Database& db) {
    db.exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA wal_autocheckpoint=0;");
}

std::int64_t count_rows(Database& db) {
    auto st = db.prepare("SELECT COUNT(*) FROM t");
    REQUIRE(st.step());
    return st.int64(0);
}

std::string integrity(Database& db) {
    auto st = db.prepare("PRAGMA integrity_check");
    REQUIRE(st.step());
    return st.text(0);
}

// `rows` rows of `size` bytes each, in one transaction.
void insert_rows(Database& db, int rows, int size) {
    db.exec("BEGIN IMMEDIATE");
    auto insert = db.prepare("INSERT INTO t (body) VALUES (zeroblob(?1))");
    for (int i = 0; i < rows; ++i) {
        insert.bind(1, size);
        insert.step();
        insert.reset();
    }
    db.exec("COMMIT");
}

}  // namespace

TEST_CASE("wal gathering vfs: a commit of many pages is one write, seen at once by another connection",
          "[sqlite][wal]") {
    Scratch scratch;
    Database writer(scratch.db());
    use_wal(writer);
    writer.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, body BLOB NOT NULL); CREATE INDEX t_body ON t (body);");
    Database reader(scratch.db());
    CHECK(count_rows(reader) == 0);

    CountedWrites writes;
    const std::string wal = scratch.db() + "-wal";
    for (int commit = 1; commit <= 5; ++commit) {
        const auto before = fs::file_size(wal);
        CountedWrites::take();
        insert_rows(writer, 12, 1500);  // 12 rows of 1,500 bytes, indexed: about 20 pages
        const auto frames = (fs::file_size(wal) - before) / (24 + 4096);
        CHECK(frames >= 10);
        REQUIRE(frames <= 31);  // what the base VFS writes in one call (128 KiB - 1)
        CHECK(CountedWrites::take() == 1);  // SQLite's own would be two a frame
        CHECK(count_rows(reader) == 12 * commit);
    }
    CHECK(integrity(reader) == "ok");
}

TEST_CASE("wal gathering vfs: what was committed is in the file when the process dies without closing",
          "[sqlite][wal]") {
    Scratch scratch;
    {
        Database db(scratch.db());
        use_wal(db);
        db.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, body BLOB NOT NULL)");
    }
    const pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        // No destructor runs: the connection is never closed, as after kill -9.
        try {
            Database db(scratch.db());
            use_wal(db);  // as the backend: no sync and no checkpoint at a commit, nothing else touches the WAL
            // A small cache: the large transaction spills frames before its commit and overwrites some of
            // them, so SQLite rewrites their checksums after writing the commit frame.
            db.exec("PRAGMA cache_size=10");
            for (int commit = 0; commit < 50; ++commit) insert_rows(db, 3, 2000);
            insert_rows(db, 800, 3000);
            ::_exit(0);
        } catch (...) {
            ::_exit(1);
        }
    }
    int status = 0;
    REQUIRE(::waitpid(child, &status, 0) == child);
    REQUIRE(WIFEXITED(status));
    REQUIRE(WEXITSTATUS(status) == 0);
    Database db(scratch.db());
    CHECK(count_rows(db) == 950);
    CHECK(integrity(db) == "ok");
}

TEST_CASE("wal gathering vfs: a transaction larger than the buffer, one rolled back after spilling, the WAL "
          "starting over",
          "[sqlite][wal]") {
    Scratch scratch;
    Database writer(scratch.db());
    use_wal(writer);
    writer.exec("PRAGMA cache_size=10;");  // a transaction of more pages spills frames to the WAL before its commit
    writer.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, body BLOB NOT NULL)");
    Database reader(scratch.db());

    writer.exec("BEGIN IMMEDIATE; WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 800) "
                "INSERT INTO t (body) SELECT zeroblob(3000) FROM n;");
    CHECK(count_rows(writer) == 800);  // read back from the frames it spilled
    writer.exec("ROLLBACK");
    CHECK(count_rows(writer) == 0);
    CHECK(count_rows(reader) == 0);

    insert_rows(writer, 800, 3000);  // about 2.4 MB: written in pieces of the buffer's size
    CHECK(count_rows(reader) == 800);

    writer.exec("PRAGMA wal_checkpoint(TRUNCATE)");
    CHECK(fs::file_size(scratch.db() + "-wal") == 0);
    insert_rows(writer, 10, 100);  // the WAL starts over at its header
    CHECK(count_rows(reader) == 810);
    CHECK(integrity(reader) == "ok");
}

TEST_CASE("wal gathering vfs: every connection opens through it, in memory too", "[sqlite][wal]") {
    CHECK(std::string(fleet::db::wal_gathering_vfs()) == "fleet-wal-gathering");
    CHECK(sqlite3_vfs_find("fleet-wal-gathering") != nullptr);
    CHECK(sqlite3_vfs_find(nullptr) != sqlite3_vfs_find("fleet-wal-gathering"));  // not made the default
    Database db(":memory:");
    db.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, body BLOB NOT NULL)");
    insert_rows(db, 3, 10);
    CHECK(count_rows(db) == 3);
}

namespace {

struct RawConnection {
    sqlite3* db = nullptr;
    RawConnection(const std::string& uri, int flags) {
        REQUIRE(sqlite3_open_v2(uri.c_str(), &db, flags | SQLITE_OPEN_URI, fleet::db::wal_gathering_vfs()) == SQLITE_OK);
    }
    ~RawConnection() { sqlite3_close(db); }
    RawConnection(const RawConnection&) = delete;
    RawConnection& operator=(const RawConnection&) = delete;
    int exec(const char* sql) { return sqlite3_exec(db, sql, nullptr, nullptr, nullptr); }
};

}  // namespace

TEST_CASE("wal gathering vfs: frames of a transaction rolled back after spilling are never written over another "
          "writer's commit",
          "[sqlite][wal]") {
    Scratch scratch;
    {
        Database a(scratch.db());
        use_wal(a);
        a.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, body BLOB NOT NULL); "
               "INSERT INTO t (body) VALUES (zeroblob(100));");
        Database b(scratch.db());
        use_wal(b);
        a.exec("PRAGMA wal_checkpoint(TRUNCATE); PRAGMA cache_size=10;");
        // A spills frames to the WAL, the last of them still gathered, and rolls back ...
        a.exec("BEGIN IMMEDIATE; WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 60) "
               "INSERT INTO t (body) SELECT randomblob(3000) FROM n;");
        a.exec("ROLLBACK");
        // ... B commits frames at the same offsets, and A reads (which writes whatever it still held).
        b.exec("BEGIN IMMEDIATE; WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 40) "
               "INSERT INTO t (body) SELECT randomblob(3000) FROM n; COMMIT;");
        CHECK(count_rows(a) == 41);
        CHECK(count_rows(b) == 41);
    }
    Database reopened(scratch.db());  // from what the files hold
    CHECK(count_rows(reopened) == 41);
    CHECK(integrity(reopened) == "ok");
}

TEST_CASE("wal gathering vfs: a commit padded to a sector after a sync is in the file once visible",
          "[sqlite][wal]") {
    // synchronous=FULL without powersafe overwrite: SQLite pads each commit to a sector boundary,
    // splitting the frame that crosses it around a sync, so the commit frame's page is not its last write.
    Scratch scratch;
    const std::string uri = "file:" + scratch.db() + "?psow=0";
    RawConnection writer(uri, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    REQUIRE(writer.exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA wal_autocheckpoint=0; "
                        "CREATE TABLE t (id INTEGER PRIMARY KEY, body BLOB NOT NULL);") == SQLITE_OK);
    RawConnection reader(uri, SQLITE_OPEN_READWRITE);
    int wal_frames = 0;
    sqlite3_wal_hook(
        writer.db,
        [](void* frames, sqlite3*, const char*, int n) {
            *static_cast<int*>(frames) = n;
            return SQLITE_OK;
        },
        &wal_frames);
    for (int commit = 1; commit <= 20; ++commit) {
        REQUIRE(writer.exec("INSERT INTO t (body) VALUES (randomblob(1500))") == SQLITE_OK);
        CHECK(fs::file_size(scratch.db() + "-wal") >= 32 + static_cast<std::uintmax_t>(wal_frames) * (24 + 4096));
        sqlite3_stmt* count = nullptr;
        REQUIRE(sqlite3_prepare_v2(reader.db, "SELECT COUNT(*) FROM t", -1, &count, nullptr) == SQLITE_OK);
        CHECK(sqlite3_step(count) == SQLITE_ROW);
        CHECK(sqlite3_column_int(count, 0) == commit);
        sqlite3_finalize(count);
    }
}

TEST_CASE("wal gathering vfs: a gathered write that fails fails the transaction, never half of it", "[sqlite][wal]") {
    Scratch scratch;
    {
        Database db(scratch.db());
        use_wal(db);
        db.exec("PRAGMA cache_size=10; CREATE TABLE t (id INTEGER PRIMARY KEY, body BLOB NOT NULL)");
        db.exec("BEGIN IMMEDIATE; WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200) "
                "INSERT INTO t (body) SELECT randomblob(3000) FROM n;");  // spilled, the last frames still gathered
        CountedWrites writes;
        CountedWrites::fail_with(ENOSPC);
        // Reading spilled pages writes the gathered frames first: that fails, and so does the statement ...
        CHECK_THROWS_AS(db.exec("UPDATE t SET body = zeroblob(10) WHERE id BETWEEN 2 AND 4"), fleet::db::Error);
        CountedWrites::fail_with(0);
        // ... and the transaction with it (a "disk full" from the read would only have undone the statement, and
        // this commit would have gone through without those frames).
        CHECK_THROWS_AS(db.exec("COMMIT"), fleet::db::Error);
    }
    Database reopened(scratch.db());
    CHECK(count_rows(reopened) == 0);
    CHECK(integrity(reopened) == "ok");
}
