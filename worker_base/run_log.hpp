#pragma once

#include "common/clock.hpp"
#include "common/operation_status.hpp"

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace fleet::worker {

// A worker's durable record of the operations it ran (`fleet-worker --run-log
// PATH`): one line when an operation's work begins and one when it ends,
//   start <operation_id> <worker_id> <pid> <unix ms>
//   end <operation_id> <worker_id> <pid> <unix ms> <status>
// each handed to the kernel with one write(2) on an O_APPEND file before the
// work starts and after it ends, so a kill -9 of the worker loses no line it
// wrote. scripts/chaos reads these files to find work that ran twice.
class RunLog {
public:
    // Opens (creates) PATH for appending; throws std::runtime_error naming it when it cannot.
    explicit RunLog(const std::string& path);
    ~RunLog();
    RunLog(const RunLog&) = delete;
    RunLog& operator=(const RunLog&) = delete;

    void started(std::string_view operation_id, std::string_view worker_id, SystemTime at);
    void ended(std::string_view operation_id, std::string_view worker_id, OperationStatus status, SystemTime at);

private:
    void append(const std::string& line);

    int fd_ = -1;
};

// One line of a run log, read back.
struct RunLogEntry {
    enum class Kind { Start, End };
    Kind kind = Kind::Start;
    std::string operation_id;
    std::string worker_id;
    pid_t pid = 0;
    std::int64_t at_ms = 0;                 // milliseconds since the Unix epoch
    std::optional<OperationStatus> status;  // End only
};

// Nothing for a line that is not one of the two forms (a torn last line).
std::optional<RunLogEntry> parse_run_log_line(std::string_view line);

}  // namespace fleet::worker
