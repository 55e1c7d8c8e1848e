#include "common/db/wal_gathering_vfs.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <cstddef>
#include <mutex>
#include <new>
#include <vector>

namespace fleet::db {
namespace {

constexpr const char* kName = "fleet-wal-gathering";
constexpr int kFrameHeaderSize = 24;  // WAL_FRAME_HDRSIZE
constexpr int kWalHeaderSize = 32;    // WAL_HDRSIZE
// The most the base VFS writes in one call: its unix write masks the size with 0x1ffff (a
// larger write would lose its high bits, and one of 128 KiB would write nothing and fail as
// "disk full"). A larger transaction goes out in pieces of this size; SQLite only makes it
// visible at its commit frame, as always.
constexpr std::size_t kMaxWrite = 0x1ffff;

sqlite3_vfs* base_vfs = nullptr;  // the platform's default, set once before ours is registered

// What both kinds of file start with: the base VFS's file lives right behind ours, in the memory
// SQLite gives us, and every call we do not handle goes to it.
struct Shim {
    sqlite3_file file;  // first: SQLite sees ours as a sqlite3_file
    sqlite3_file* real;
};

struct WalFile;

// A main database file. Paired with its WAL while both are open, so that the WAL hears when a
// commit is about to be published (xShmBarrier) and when a write transaction ends (its lock released).
struct DbFile {
    Shim shim;
    const char* name;  // as SQLite opened it: what sqlite3_filename_database gives for its WAL
    WalFile* wal = nullptr;
};

struct WalFile {
    Shim shim;
    DbFile* db = nullptr;
    std::vector<unsigned char> gathered;
    sqlite3_int64 gathered_at = 0;    // the file offset of gathered[0]
    bool commit_page_next = false;    // the last write was a commit frame's header
    sqlite3_int64 committed_end = 0;  // where the last commit frame this file wrote ends
};

// Open database files, for their WAL to find; a connection's two files are then used by its thread only.
std::mutex databases_mutex;
std::vector<DbFile*> databases;

template <typename File>
constexpr std::size_t real_file_offset() {
    return (sizeof(File) + alignof(std::max_align_t) - 1) / alignof(std::max_align_t) * alignof(std::max_align_t);
}

sqlite3_file* real(sqlite3_file* file) { return reinterpret_cast<Shim*>(file)->real; }
WalFile& wal(sqlite3_file* file) { return *reinterpret_cast<WalFile*>(file); }
DbFile& database(sqlite3_file* file) { return *reinterpret_cast<DbFile*>(file); }

// Kept when the write fails: SQLite then fails the transaction, and its end drops them.
int write_gathered(WalFile& file) {
    if (file.gathered.empty()) return SQLITE_OK;
    const int code = file.shim.real->pMethods->xWrite(file.shim.real, file.gathered.data(),
                                                      static_cast<int>(file.gathered.size()), file.gathered_at);
    if (code == SQLITE_OK) file.gathered.clear();
    return code;
}

// Before another kind of call: a failed write reported as one (a "disk full" from a read would
// only undo the statement, and the transaction could still commit without those frames).
int write_gathered_before(sqlite3_file* file) {
    return write_gathered(wal(file)) == SQLITE_OK ? SQLITE_OK : SQLITE_IOERR_WRITE;
}

// Frames of a transaction that ended without committing (rolled back after spilling): never
// written, since another connection may commit frames at the same offsets next.
void drop_gathered(WalFile& file) {
    file.gathered.clear();
    file.commit_page_next = false;
}

// A frame header whose "database size after commit" (bytes 4..7) is not zero ends a transaction.
bool is_commit_frame_header(const void* data, int amount, sqlite3_int64 offset) {
    if (amount != kFrameHeaderSize || offset < kWalHeaderSize) return false;
    const auto* bytes = static_cast<const unsigned char*>(data);
    return (bytes[4] | bytes[5] | bytes[6] | bytes[7]) != 0;
}

int wal_write(sqlite3_file* file, const void* data, int amount, sqlite3_int64 offset) {
    WalFile& self = wal(file);
    const auto size = static_cast<std::size_t>(amount);
    const bool follows =
        !self.gathered.empty() && offset == self.gathered_at + static_cast<sqlite3_int64>(self.gathered.size());
    if (!follows || self.gathered.size() + size > kMaxWrite) {
        if (const int code = write_gathered(self); code != SQLITE_OK) return code;
        // Over what a transaction already committed (the frame checksums SQLite rewrites after a
        // commit that overwrote one of its own frames, before it makes the commit visible): written
        // at once, never left in the buffer.
        if ((offset > 0 && offset < self.committed_end) || size > kMaxWrite) {
            return real(file)->pMethods->xWrite(real(file), data, amount, offset);
        }
        if (offset == 0) self.committed_end = 0;  // the WAL starts over at its header
        self.gathered_at = offset;
    }
    const auto* bytes = static_cast<const unsigned char*>(data);
    self.gathered.insert(self.gathered.end(), bytes, bytes + size);
    const bool ends_commit = self.commit_page_next;
    self.commit_page_next = is_commit_frame_header(data, amount, offset);
    if (!ends_commit) return SQLITE_OK;
    if (const int code = write_gathered(self); code != SQLITE_OK) return code;
    self.committed_end = offset + amount;
    return SQLITE_OK;
}

void unpair(WalFile& self) {
    std::lock_guard lock(databases_mutex);
    if (self.db) self.db->wal = nullptr;
    self.db = nullptr;
}

int wal_close(sqlite3_file* file) {
    WalFile& self = wal(file);
    drop_gathered(self);  // a connection closes outside any write transaction: nothing committed is left
    unpair(self);
    const int code = real(file)->pMethods->xClose(real(file));
    self.~WalFile();
    return code;
}

// A call passed on to the base VFS's file as it is.
template <auto Method, typename... Args>
auto passed_on(sqlite3_file* file, Args... args) {
    return (real(file)->pMethods->*Method)(real(file), args...);
}

// Everything else the WAL is asked writes what it gathered first, then goes to the real file.
template <auto Method, typename... Args>
int after_gathered(sqlite3_file* file, Args... args) {
    if (const int code = write_gathered_before(file); code != SQLITE_OK) return code;
    return passed_on<Method>(file, args...);
}

// The database file: SQLite publishes a commit in the WAL index right after a barrier, so
// whatever its WAL still holds is written then (the frames of a commit SQLite padded to a sector
// after a sync, with synchronous=FULL, are not caught at the commit frame). Releasing the WAL's
// write lock ends the write transaction: what is still gathered then was never committed.
constexpr int kWalWriteLock = 0;  // WAL_WRITE_LOCK, the first of the shared-memory locks

void db_shm_barrier(sqlite3_file* file) {
    if (WalFile* paired = database(file).wal) write_gathered(*paired);  // kept on failure, dropped at the unlock
    passed_on<&sqlite3_io_methods::xShmBarrier>(file);
}
int db_shm_lock(sqlite3_file* file, int offset, int n, int flags) {
    const int code = passed_on<&sqlite3_io_methods::xShmLock>(file, offset, n, flags);
    WalFile* paired = database(file).wal;
    if (code == SQLITE_OK && paired && offset == kWalWriteLock && flags == (SQLITE_SHM_UNLOCK | SQLITE_SHM_EXCLUSIVE)) {
        drop_gathered(*paired);
    }
    return code;
}
int db_close(sqlite3_file* file) {
    DbFile& self = database(file);
    {
        std::lock_guard lock(databases_mutex);
        if (self.wal) self.wal->db = nullptr;
        std::erase(databases, &self);
    }
    const int code = real(file)->pMethods->xClose(real(file));
    self.~DbFile();
    return code;
}

using Io = sqlite3_io_methods;

constexpr Io kWalMethods = {
    3,
    wal_close,
    after_gathered<&Io::xRead>,
    wal_write,
    after_gathered<&Io::xTruncate>,
    after_gathered<&Io::xSync>,
    after_gathered<&Io::xFileSize>,
    passed_on<&Io::xLock>,
    passed_on<&Io::xUnlock>,
    passed_on<&Io::xCheckReservedLock>,
    after_gathered<&Io::xFileControl>,
    passed_on<&Io::xSectorSize>,
    passed_on<&Io::xDeviceCharacteristics>,
    passed_on<&Io::xShmMap>,
    passed_on<&Io::xShmLock>,
    passed_on<&Io::xShmBarrier>,
    passed_on<&Io::xShmUnmap>,
    after_gathered<&Io::xFetch>,
    passed_on<&Io::xUnfetch>,
};

constexpr Io kDatabaseMethods = {
    3,
    db_close,
    passed_on<&Io::xRead>,
    passed_on<&Io::xWrite>,
    passed_on<&Io::xTruncate>,
    passed_on<&Io::xSync>,
    passed_on<&Io::xFileSize>,
    passed_on<&Io::xLock>,
    passed_on<&Io::xUnlock>,
    passed_on<&Io::xCheckReservedLock>,
    passed_on<&Io::xFileControl>,
    passed_on<&Io::xSectorSize>,
    passed_on<&Io::xDeviceCharacteristics>,
    passed_on<&Io::xShmMap>,
    db_shm_lock,
    db_shm_barrier,
    passed_on<&Io::xShmUnmap>,
    passed_on<&Io::xFetch>,
    passed_on<&Io::xUnfetch>,
};

// Opens the base VFS's file behind ours; `make` builds ours in front of it (and may throw).
template <typename File, typename Make>
int open_shim(sqlite3_filename name, sqlite3_file* file, int flags, int* out_flags, Make make) {
    auto* real = reinterpret_cast<sqlite3_file*>(reinterpret_cast<char*>(file) + real_file_offset<File>());
    file->pMethods = nullptr;  // SQLite closes nothing that failed to open
    if (const int code = base_vfs->xOpen(base_vfs, name, real, flags, out_flags); code != SQLITE_OK) return code;
    try {
        make(real);
        return SQLITE_OK;
    } catch (const std::bad_alloc&) {
        file->pMethods = nullptr;
        real->pMethods->xClose(real);
        return SQLITE_NOMEM;
    }
}

int open_file(sqlite3_vfs*, sqlite3_filename name, sqlite3_file* file, int flags, int* out_flags) {
    if (flags & SQLITE_OPEN_WAL) {
        return open_shim<WalFile>(name, file, flags, out_flags, [&](sqlite3_file* real) {
            auto* self = new (file) WalFile{{{&kWalMethods}, real}};
            self->gathered.reserve(kMaxWrite);  // before it is paired: a throw leaves nothing to undo
            std::lock_guard lock(databases_mutex);
            const char* database_name = name ? sqlite3_filename_database(name) : nullptr;
            for (DbFile* candidate : databases) {
                if (candidate->name == database_name && !candidate->wal) {
                    candidate->wal = self;
                    self->db = candidate;
                    break;
                }
            }
        });
    }
    if ((flags & SQLITE_OPEN_MAIN_DB) && name) {
        return open_shim<DbFile>(name, file, flags, out_flags, [&](sqlite3_file* real) {
            std::lock_guard lock(databases_mutex);
            databases.reserve(databases.size() + 1);  // may throw: before anything is built
            databases.push_back(new (file) DbFile{{{&kDatabaseMethods}, real}, name});
        });
    }
    // Anything else (temporary files, a rollback journal): the base VFS's file, in the same memory (ours is larger).
    return base_vfs->xOpen(base_vfs, name, file, flags, out_flags);
}

// The VFS's own calls go to the base VFS, as the base VFS.
template <auto Method, typename... Args>
auto on_base(sqlite3_vfs*, Args... args) {
    return (base_vfs->*Method)(base_vfs, args...);
}

sqlite3_vfs vfs{};

void register_vfs() {
    base_vfs = sqlite3_vfs_find(nullptr);
    vfs.iVersion = 2;  // no system-call overrides: those are the base VFS's business
    vfs.szOsFile = static_cast<int>(std::max(real_file_offset<WalFile>(), real_file_offset<DbFile>())) + base_vfs->szOsFile;
    vfs.mxPathname = base_vfs->mxPathname;
    vfs.zName = kName;
    vfs.xOpen = open_file;
    vfs.xDelete = on_base<&sqlite3_vfs::xDelete>;
    vfs.xAccess = on_base<&sqlite3_vfs::xAccess>;
    vfs.xFullPathname = on_base<&sqlite3_vfs::xFullPathname>;
    vfs.xDlOpen = on_base<&sqlite3_vfs::xDlOpen>;
    vfs.xDlError = on_base<&sqlite3_vfs::xDlError>;
    vfs.xDlSym = on_base<&sqlite3_vfs::xDlSym>;
    vfs.xDlClose = on_base<&sqlite3_vfs::xDlClose>;
    vfs.xRandomness = on_base<&sqlite3_vfs::xRandomness>;
    vfs.xSleep = on_base<&sqlite3_vfs::xSleep>;
    vfs.xCurrentTime = on_base<&sqlite3_vfs::xCurrentTime>;
    vfs.xGetLastError = on_base<&sqlite3_vfs::xGetLastError>;
    vfs.xCurrentTimeInt64 = on_base<&sqlite3_vfs::xCurrentTimeInt64>;
    sqlite3_vfs_register(&vfs, 0);
}

}  // namespace

const char* wal_gathering_vfs() {
    static std::once_flag once;
    std::call_once(once, register_vfs);
    return kName;
}

}  // namespace fleet::db
