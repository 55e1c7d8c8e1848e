#include "common/process_metrics.hpp"

#include <unistd.h>

#include <charconv>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <vector>

namespace fleet {
namespace {

std::string read_file(const char* path) {
    std::ifstream in(path);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::optional<std::uint64_t> number(std::string_view text) {
    std::uint64_t value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
    return value;
}

void append_metric(std::string& out, std::string_view name, std::string_view type, std::string_view help,
                   double value) {
    std::ostringstream line;
    line.precision(15);
    line << "# HELP " << name << ' ' << help << "\n# TYPE " << name << ' ' << type << '\n' << name << ' ' << value << '\n';
    out += line.str();
}

}  // namespace

std::optional<ProcStat> parse_proc_stat(std::string_view line) {
    // The fields after the command, which ends at the last ')': state is field 3.
    const auto close = line.rfind(')');
    if (close == std::string_view::npos) return std::nullopt;
    std::vector<std::string_view> fields;
    std::string_view rest = line.substr(close + 1);
    while (!rest.empty()) {
        const auto start = rest.find_first_not_of(" \n");
        if (start == std::string_view::npos) break;
        rest.remove_prefix(start);
        const auto end = rest.find_first_of(" \n");
        fields.push_back(rest.substr(0, end));
        rest.remove_prefix(end == std::string_view::npos ? rest.size() : end);
    }
    // fields[0] is field 3 (state): utime 14, stime 15, starttime 22, rss 24.
    auto field = [&](std::size_t n) { return n - 3 < fields.size() ? number(fields[n - 3]) : std::nullopt; };
    const auto utime = field(14), stime = field(15), start = field(22), rss = field(24);
    if (!utime || !stime || !start || !rss) return std::nullopt;
    return ProcStat{*utime, *stime, *start, *rss};
}

std::optional<std::uint64_t> parse_boot_time(std::string_view proc_stat) {
    std::istringstream in{std::string(proc_stat)};
    std::string line;
    while (std::getline(in, line))
        if (line.starts_with("btime ")) return number(std::string_view(line).substr(6));
    return std::nullopt;
}

std::string process_metrics() {
    std::string out;
    const auto stat = parse_proc_stat(read_file("/proc/self/stat"));
    const long ticks = sysconf(_SC_CLK_TCK);
    const long page = sysconf(_SC_PAGESIZE);
    if (stat && ticks > 0) {
        append_metric(out, "process_cpu_seconds_total", "counter", "Total user and system CPU time spent in seconds.",
                      static_cast<double>(stat->utime_ticks + stat->stime_ticks) / static_cast<double>(ticks));
    }
    if (stat && page > 0) {
        append_metric(out, "process_resident_memory_bytes", "gauge", "Resident memory size in bytes.",
                      static_cast<double>(stat->rss_pages) * static_cast<double>(page));
    }
    std::error_code ec;
    std::size_t fds = 0;
    for (auto it = std::filesystem::directory_iterator("/proc/self/fd", ec); !ec && it != std::filesystem::directory_iterator();
         it.increment(ec))
        ++fds;
    // Less the descriptor the listing itself held open.
    if (!ec && fds > 0) append_metric(out, "process_open_fds", "gauge", "Number of open file descriptors.", static_cast<double>(fds - 1));
    const auto boot = parse_boot_time(read_file("/proc/stat"));
    if (stat && boot && ticks > 0) {
        append_metric(out, "process_start_time_seconds", "gauge", "Start time of the process since unix epoch in seconds.",
                      static_cast<double>(*boot) + static_cast<double>(stat->start_ticks) / static_cast<double>(ticks));
    }
    return out;
}

}  // namespace fleet
