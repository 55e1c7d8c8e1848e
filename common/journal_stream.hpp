#pragma once

namespace fleet {

// Whether `fd` is the journal stream systemd connected this process to. systemd sets
// JOURNAL_STREAM to "<device>:<inode>" of that stream; a child that inherited the variable but
// writes somewhere else (a redirected stderr) sees another file there (systemd.exec(5)).
// `journal_stream` is the variable's value, nullptr when it is not set.
bool is_journal_stream(const char* journal_stream, int fd);

}  // namespace fleet
