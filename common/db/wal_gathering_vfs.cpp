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

// Everything else the WAL is asked writes what it gathered first, then goes to the real file.
int wal_read(sqlite3_file* file, void* data, int amount, sqlite3_int64 offset) {
    if (const int code = write_gathered_before(file); code != SQLITE_OK) return code;
    return real(file)->pMethods->xRead(real(file), data, amount, offset);
}
int wal_truncate(sqlite3_file* file, sqlite3_int64 size) {
    if (const int code = write_gathered_before(file); code != SQLITE_OK) return code;
    return real(file)->pMethods->xTruncate(real(file), size);
}
int wal_sync(sqlite3_file* file, int flags) {
    if (const int code = write_gathered_before(file); code != SQLITE_OK) return code;
    return real(file)->pMethods->xSync(real(file), flags);
}
int wal_file_size(sqlite3_file* file, sqlite3_int64* size) {
    if (const int code = write_gathered_before(file); code != SQLITE_OK) return code;
    return real(file)->pMethods->xFileSize(real(file), size);
}
int wal_file_control(sqlite3_file* file, int op, void* argument) {
    if (const int code = write_gathered_before(file); code != SQLITE_OK) return code;
    return real(file)->pMethods->xFileControl(real(file), op, argument);
}
int wal_fetch(sqlite3_file* file, sqlite3_int64 offset, int amount, void** pointer) {
    if (const int code = write_gathered_before(file); code != SQLITE_OK) return code;
    return real(file)->pMethods->xFetch(real(file), offset, amount, pointer);
}

// The database file: SQLite publishes a commit in the WAL index right after a barrier, so
// whatever its WAL still holds is written then (the frames of a commit SQLite padded to a sector
// after a sync, with synchronous=FULL, are not caught at the commit frame). Releasing the WAL's
// write lock ends the write transaction: what is still gathered then was never committed.
constexpr int kWalWriteLock = 0;  // WAL_WRITE_LOCK, the first of the shared-memory locks

void db_shm_barrier(sqlite3_file* file) {
    if (WalFile* paired = database(file).wal) write_gathered(*paired);  // kept on failure, dropped at the unlock
    real(file)->pMethods->xShmBarrier(real(file));
}
int db_shm_lock(sqlite3_file* file, int offset, int n, int flags) {
    const int code = real(file)->pMethods->xShmLock(real(file), offset, n, flags);
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

// Calls either kind of file passes on as they are.
int file_read(sqlite3_file* file, void* data, int amount, sqlite3_int64 offset) {
    return real(file)->pMethods->xRead(real(file), data, amount, offset);
}
int file_write(sqlite3_file* file, const void* data, int amount, sqlite3_int64 offset) {
    return real(file)->pMethods->xWrite(real(file), data, amount, offset);
}
int file_truncate(sqlite3_file* file, sqlite3_int64 size) { return real(file)->pMethods->xTruncate(real(file), size); }
int file_sync(sqlite3_file* file, int flags) { return real(file)->pMethods->xSync(real(file), flags); }
int file_size(sqlite3_file* file, sqlite3_int64* size) { return real(file)->pMethods->xFileSize(real(file), size); }
int file_control(sqlite3_file* file, int op, void* argument) {
    return real(file)->pMethods->xFileControl(real(file), op, argument);
}
int file_fetch(sqlite3_file* file, sqlite3_int64 offset, int amount, void** pointer) {
    return real(file)->pMethods->xFetch(real(file), offset, amount, pointer);
}
int file_lock(sqlite3_file* file, int lock) { return real(file)->pMethods->xLock(real(file), lock); }
int file_unlock(sqlite3_file* file, int lock) { return real(file)->pMethods->xUnlock(real(file), lock); }
int file_check_reserved_lock(sqlite3_file* file, int* out) {
    return real(file)->pMethods->xCheckReservedLock(real(file), out);
}
int file_sector_size(sqlite3_file* file) { return real(file)->pMethods->xSectorSize(real(file)); }
int file_device_characteristics(sqlite3_file* file) {
    return real(file)->pMethods->xDeviceCharacteristics(real(file));
}
int file_shm_map(sqlite3_file* file, int page, int page_size, int extend, void volatile** pointer) {
    return real(file)->pMethods->xShmMap(real(file), page, page_size, extend, pointer);
}
int file_shm_lock(sqlite3_file* file, int offset, int n, int flags) {
    return real(file)->pMethods->xShmLock(real(file), offset, n, flags);
}
void file_shm_barrier(sqlite3_file* file) { real(file)->pMethods->xShmBarrier(real(file)); }
int file_shm_unmap(sqlite3_file* file, int remove) { return real(file)->pMethods->xShmUnmap(real(file), remove); }
int file_unfetch(sqlite3_file* file, sqlite3_int64 offset, void* pointer) {
    return real(file)->pMethods->xUnfetch(real(file), offset, pointer);
}

constexpr sqlite3_io_methods kWalMethods = {
    3, wal_close, wal_read, wal_write, wal_truncate, wal_sync, wal_file_size, file_lock, file_unlock,
    file_check_reserved_lock, wal_file_control, file_sector_size, file_device_characteristics, file_shm_map,
    file_shm_lock, file_shm_barrier, file_shm_unmap, wal_fetch, file_unfetch,
};

constexpr sqlite3_io_methods kDatabaseMethods = {
    3, db_close, file_read, file_write, file_truncate, file_sync, file_size, file_lock, file_unlock,
    file_check_reserved_lock, file_control, file_sector_size, file_device_characteristics, file_shm_map,
    db_shm_lock, db_shm_barrier, file_shm_unmap, file_fetch, file_unfetch,
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
int delete_file(sqlite3_vfs*, const char* name, int sync_directory) {
    return base_vfs->xDelete(base_vfs, name, sync_directory);
}
int access(sqlite3_vfs*, const char* name, int flags, int* out) { return base_vfs->xAccess(base_vfs, name, flags, out); }
int full_pathname(sqlite3_vfs*, const char* name, int size, char* out) {
    return base_vfs->xFullPathname(base_vfs, name, size, out);
}
void* dl_open(sqlite3_vfs*, const char* name) { return base_vfs->xDlOpen(base_vfs, name); }
void dl_error(sqlite3_vfs*, int size, char* out) { base_vfs->xDlError(base_vfs, size, out); }
void (*dl_sym(sqlite3_vfs*, void* handle, const char* symbol))(void) {
    return base_vfs->xDlSym(base_vfs, handle, symbol);
}
void dl_close(sqlite3_vfs*, void* handle) { base_vfs->xDlClose(base_vfs, handle); }
int randomness(sqlite3_vfs*, int size, char* out) { return base_vfs->xRandomness(base_vfs, size, out); }
int sleep(sqlite3_vfs*, int microseconds) { return base_vfs->xSleep(base_vfs, microseconds); }
int current_time(sqlite3_vfs*, double* out) { return base_vfs->xCurrentTime(base_vfs, out); }
int last_error(sqlite3_vfs*, int size, char* out) { return base_vfs->xGetLastError(base_vfs, size, out); }
int current_time_int64(sqlite3_vfs*, sqlite3_int64* out) { return base_vfs->xCurrentTimeInt64(base_vfs, out); }

sqlite3_vfs vfs{};

void register_vfs() {
    base_vfs = sqlite3_vfs_find(nullptr);
    vfs.iVersion = 2;  // no system-call overrides: those are the base VFS's business
    vfs.szOsFile = static_cast<int>(std::max(real_file_offset<WalFile>(), real_file_offset<DbFile>())) + base_vfs->szOsFile;
    vfs.mxPathname = base_vfs->mxPathname;
    vfs.zName = kName;
    vfs.xOpen = open_file;
    vfs.xDelete = delete_file;
    vfs.xAccess = access;
    vfs.xFullPathname = full_pathname;
    vfs.xDlOpen = dl_open;
    vfs.xDlError = dl_error;
    vfs.xDlSym = dl_sym;
    vfs.xDlClose = dl_close;
    vfs.xRandomness = randomness;
    vfs.xSleep = sleep;
    vfs.xCurrentTime = current_time;
    vfs.xGetLastError = last_error;
    vfs.xCurrentTimeInt64 = current_time_int64;
    sqlite3_vfs_register(&vfs, 0);
}

}  // namespace

const char* wal_gathering_vfs() {
    static std::once_flag once;
    std::call_once(once, register_vfs);
    return kName;
}

}  // namespace fleet::db
