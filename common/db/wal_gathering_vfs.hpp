#pragma once

// A SQLite VFS that writes each transaction's WAL frames with one write system call.
//
// SQLite writes a WAL frame as two writes (its 24-byte header, then the page), so a
// commit of 10 pages costs 20 `pwrite`s: in the backend, under load, more of its
// kernel time than anything else. This VFS wraps the platform's default one and,
// for WAL files only, gathers the consecutive writes of a transaction in a buffer;
// the buffer is written as one `pwrite` when the commit frame's page arrives (frame
// header bytes 4..7 non-zero, the documented WAL format), before SQLite records the
// commit in the WAL index, so no reader and no crash can see a commit whose frames
// are not in the file. Anything else done to the file (a read, a write elsewhere,
// a sync, its size, a truncation, closing it) writes the buffer first. A buffer
// only ever holds frames of a transaction that has not committed: lost in a crash,
// they are what SQLite would have thrown away anyway.
//
// Every other file (the database, its shared memory, temporary files) is the
// default VFS's own, untouched.
namespace fleet::db {

// The VFS's name for sqlite3_open_v2, registered (not as the default) on the first call.
const char* wal_gathering_vfs();

}  // namespace fleet::db
