#include "common/db/wal_gathering_vfs.hpp"

#include <sqlite3.h>

#include <cstddef>
#include <cstring>
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

// A WAL file: the base VFS's file right behind this struct, in the memory SQLite gives us.
struct WalFile {
    sqlite3_file file;  // first: SQLite sees a WalFile as a sqlite3_file
    sqlite3_file* real;
    std::vector<unsigned char> gathered;
    sqlite3_int64 gathered_at = 0;  // the file offset of gathered[0]
    bool commit_page_next = false;  // the last write was a commit frame's header
    sqlite3_int64 committed_end = 0;  // where the last commit frame this file wrote ends
};

constexpr std::size_t real_file_offset() {
    return (sizeof(WalFile) + alignof(std::max_align_t) - 1) / alignof(std::max_align_t) * alignof(std::max_align_t);
}

WalFile& wal(sqlite3_file* file) { return *reinterpret_cast<WalFile*>(file); }
sqlite3_file* real(sqlite3_file* file) { return wal(file).real; }

int write_gathered(WalFile& file) {
    if (file.gathered.empty()) return SQLITE_OK;
    const int code = file.real->pMethods->xWrite(file.real, file.gathered.data(),
                                                 static_cast<int>(file.gathered.size()), file.gathered_at);
    file.gathered.clear();
    return code;
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
            return self.real->pMethods->xWrite(self.real, data, amount, offset);
        }
        if (offset == 0) self.committed_end = 0;  // the WAL starts over at its header
        self.gathered_at = offset;
    }
    const auto* bytes = static_cast<const unsigned char*>(data);
    self.gathered.insert(self.gathered.end(), bytes, bytes + size);
    const bool ends_commit = self.commit_page_next;
    self.commit_page_next = is_commit_frame_header(data, amount, offset);
    if (!ends_commit) return SQLITE_OK;
    self.committed_end = offset + amount;
    return write_gathered(self);
}

int wal_close(sqlite3_file* file) {
    WalFile& self = wal(file);
    int code = write_gathered(self);
    const int closed = self.real->pMethods->xClose(self.real);
    if (code == SQLITE_OK) code = closed;
    self.~WalFile();
    return code;
}

// Everything else the file is asked writes what it gathered first, then goes to the real file.
int wal_read(sqlite3_file* file, void* data, int amount, sqlite3_int64 offset) {
    if (const int code = write_gathered(wal(file)); code != SQLITE_OK) return code;
    return real(file)->pMethods->xRead(real(file), data, amount, offset);
}
int wal_truncate(sqlite3_file* file, sqlite3_int64 size) {
    if (const int code = write_gathered(wal(file)); code != SQLITE_OK) return code;
    return real(file)->pMethods->xTruncate(real(file), size);
}
int wal_sync(sqlite3_file* file, int flags) {
    if (const int code = write_gathered(wal(file)); code != SQLITE_OK) return code;
    return real(file)->pMethods->xSync(real(file), flags);
}
int wal_file_size(sqlite3_file* file, sqlite3_int64* size) {
    if (const int code = write_gathered(wal(file)); code != SQLITE_OK) return code;
    return real(file)->pMethods->xFileSize(real(file), size);
}
int wal_file_control(sqlite3_file* file, int op, void* argument) {
    if (const int code = write_gathered(wal(file)); code != SQLITE_OK) return code;
    return real(file)->pMethods->xFileControl(real(file), op, argument);
}
int wal_fetch(sqlite3_file* file, sqlite3_int64 offset, int amount, void** pointer) {
    if (const int code = write_gathered(wal(file)); code != SQLITE_OK) return code;
    return real(file)->pMethods->xFetch(real(file), offset, amount, pointer);
}
int wal_lock(sqlite3_file* file, int lock) { return real(file)->pMethods->xLock(real(file), lock); }
int wal_unlock(sqlite3_file* file, int lock) { return real(file)->pMethods->xUnlock(real(file), lock); }
int wal_check_reserved_lock(sqlite3_file* file, int* out) {
    return real(file)->pMethods->xCheckReservedLock(real(file), out);
}
int wal_sector_size(sqlite3_file* file) { return real(file)->pMethods->xSectorSize(real(file)); }
int wal_device_characteristics(sqlite3_file* file) {
    return real(file)->pMethods->xDeviceCharacteristics(real(file));
}
int wal_shm_map(sqlite3_file* file, int page, int page_size, int extend, void volatile** pointer) {
    return real(file)->pMethods->xShmMap(real(file), page, page_size, extend, pointer);
}
int wal_shm_lock(sqlite3_file* file, int offset, int n, int flags) {
    return real(file)->pMethods->xShmLock(real(file), offset, n, flags);
}
void wal_shm_barrier(sqlite3_file* file) { real(file)->pMethods->xShmBarrier(real(file)); }
int wal_shm_unmap(sqlite3_file* file, int remove) { return real(file)->pMethods->xShmUnmap(real(file), remove); }
int wal_unfetch(sqlite3_file* file, sqlite3_int64 offset, void* pointer) {
    return real(file)->pMethods->xUnfetch(real(file), offset, pointer);
}

constexpr sqlite3_io_methods kWalMethods = {
    3,          wal_close,       wal_read,          wal_write,    wal_truncate,   wal_sync,
    wal_file_size, wal_lock,     wal_unlock,        wal_check_reserved_lock,      wal_file_control,
    wal_sector_size, wal_device_characteristics,    wal_shm_map,  wal_shm_lock,   wal_shm_barrier,
    wal_shm_unmap, wal_fetch,    wal_unfetch,
};

int open_file(sqlite3_vfs*, sqlite3_filename name, sqlite3_file* file, int flags, int* out_flags) {
    // Not a WAL: the base VFS's file, in the same memory (ours is larger).
    if ((flags & SQLITE_OPEN_WAL) == 0) return base_vfs->xOpen(base_vfs, name, file, flags, out_flags);
    auto* real = reinterpret_cast<sqlite3_file*>(reinterpret_cast<char*>(file) + real_file_offset());
    const int code = base_vfs->xOpen(base_vfs, name, real, flags, out_flags);
    if (code != SQLITE_OK) {
        file->pMethods = nullptr;  // SQLite closes nothing, and we own nothing yet
        return code;
    }
    auto* self = new (file) WalFile{};
    self->real = real;
    self->gathered.reserve(kMaxWrite);
    self->file.pMethods = &kWalMethods;
    return SQLITE_OK;
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
    vfs.szOsFile = static_cast<int>(real_file_offset()) + base_vfs->szOsFile;
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
