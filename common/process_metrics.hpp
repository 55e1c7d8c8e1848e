#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

// The process_* metrics Prometheus client libraries export, read from /proc:
// CPU time, resident memory, open file descriptors and start time. Shared by
// the backend's and every worker's /metrics.
namespace fleet {

// What /proc/self/stat says, in its units: clock ticks and pages.
struct ProcStat {
    std::uint64_t utime_ticks = 0;
    std::uint64_t stime_ticks = 0;
    std::uint64_t start_ticks = 0;  // since boot
    std::uint64_t rss_pages = 0;
};

// Parses the line of /proc/<pid>/stat (the command name may hold spaces and parentheses).
std::optional<ProcStat> parse_proc_stat(std::string_view line);
// The boot time (`btime`, seconds since the epoch) from the text of /proc/stat.
std::optional<std::uint64_t> parse_boot_time(std::string_view proc_stat);

// The Prometheus lines of process_cpu_seconds_total, process_resident_memory_bytes,
// process_open_fds and process_start_time_seconds for this process; a value /proc
// does not give is left out.
std::string process_metrics();

}  // namespace fleet
