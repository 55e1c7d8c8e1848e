#include "worker_base/run_log.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <sstream>
#include <stdexcept>

namespace fleet::worker {
namespace {

std::int64_t unix_ms(SystemTime at) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(at.time_since_epoch()).count();
}

}  // namespace

RunLog::RunLog(const std::string& path) {
    fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd_ < 0) throw std::runtime_error("--run-log " + path + ": " + std::strerror(errno));
}

RunLog::~RunLog() {
    if (fd_ >= 0) ::close(fd_);
}

void RunLog::started(std::string_view operation_id, std::string_view worker_id, SystemTime at) {
    std::ostringstream line;
    line << "start " << operation_id << ' ' << worker_id << ' ' << ::getpid() << ' ' << unix_ms(at) << '\n';
    append(line.str());
}

void RunLog::ended(std::string_view operation_id, std::string_view worker_id, OperationStatus status,
                   SystemTime at) {
    std::ostringstream line;
    line << "end " << operation_id << ' ' << worker_id << ' ' << ::getpid() << ' ' << unix_ms(at) << ' '
         << to_string(status) << '\n';
    append(line.str());
}

void RunLog::append(const std::string& line) {
    // One write of a short line to an O_APPEND file: whole, and never interleaved with another thread's.
    const char* data = line.data();
    std::size_t left = line.size();
    while (left > 0) {
        const ssize_t written = ::write(fd_, data, left);
        if (written < 0) {
            if (errno == EINTR) continue;
            return;  // a full disk must not stop the work; the audit then reports the gap
        }
        data += written;
        left -= static_cast<std::size_t>(written);
    }
}

std::optional<RunLogEntry> parse_run_log_line(std::string_view line) {
    std::istringstream in{std::string(line)};
    std::string kind;
    RunLogEntry entry;
    long long pid = 0;
    if (!(in >> kind >> entry.operation_id >> entry.worker_id >> pid >> entry.at_ms)) return std::nullopt;
    entry.pid = static_cast<pid_t>(pid);
    if (kind == "start") {
        entry.kind = RunLogEntry::Kind::Start;
    } else if (kind == "end") {
        entry.kind = RunLogEntry::Kind::End;
        std::string status;
        if (!(in >> status)) return std::nullopt;
        entry.status = parse_operation_status(status);
        if (!entry.status || !is_terminal(*entry.status)) return std::nullopt;
    } else {
        return std::nullopt;
    }
    std::string rest;
    if (in >> rest) return std::nullopt;
    return entry;
}

}  // namespace fleet::worker
