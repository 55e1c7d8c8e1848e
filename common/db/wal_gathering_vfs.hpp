#pragma once

// A SQLite VFS that writes each transaction's WAL frames with one write system call.
//
// SQLite writes a WAL frame as two writes (its 24-byte header, then the page), so a
// commit of 10 pages costs 20 `pwrite`s: in the backend, under load, more of its
// kernel time than anything else. This VFS wraps the platform's default one and,
// for WAL files only, gathers the consecutive writes of a transaction in a buffer,
// written as one `pwrite`:
//  - when the commit frame's page arrives (frame header bytes 4..7 non-zero, the
//    documented WAL format), and at the latest at the database file's shared-memory
//    barrier, which SQLite passes right before it records a commit in the WAL index:
//    no reader and no crash can see a commit whose frames are not in the file;
//  - before anything else is done to the WAL (a read, a write elsewhere, a sync, its
//    size, a truncation); frame checksums SQLite rewrites below a commit go out at once.
// When the connection releases the WAL's write lock, what is still gathered belongs
// to a transaction that rolled back: it is dropped, never written (another writer may
// commit at those offsets next). A crash loses only frames SQLite would have thrown away.
//
// Every other file (the database, its shared memory, temporary files) is the
// default VFS's own; the database file is wrapped only to hear the barrier and the lock.
namespace fleet::db {

// The VFS's name for sqlite3_open_v2, registered (not as the default) on the first call.
const char* wal_gathering_vfs();

}  // namespace fleet::db
