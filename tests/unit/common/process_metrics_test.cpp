#include "common/process_metrics.hpp"

#include <catch2/catch.hpp>

#include <string>

using fleet::parse_boot_time;
using fleet::parse_proc_stat;

TEST_CASE("process metrics: /proc/<pid>/stat is read past a command name with spaces and parentheses",
          "[process-metrics]") {
    const std::string line =
        "4242 (fleet (odd) name) S 1 4242 4242 0 -1 4194560 900 0 0 0 150 25 0 0 20 0 3 0 123456 "
        "250000000 3072 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n";
    const auto stat = parse_proc_stat(line);
    REQUIRE(stat);
    CHECK(stat->utime_ticks == 150);
    CHECK(stat->stime_ticks == 25);
    CHECK(stat->start_ticks == 123456);
    CHECK(stat->rss_pages == 3072);
    CHECK_FALSE(parse_proc_stat("4242 (cut short) S 1 2"));
    CHECK_FALSE(parse_proc_stat("no parentheses at all"));
}

TEST_CASE("process metrics: the boot time comes from /proc/stat's btime line", "[process-metrics]") {
    CHECK(parse_boot_time("cpu  1 2 3\nintr 5\nbtime 1764460800\nprocesses 9\n") == 1764460800u);
    CHECK_FALSE(parse_boot_time("cpu  1 2 3\n"));
}

TEST_CASE("process metrics: this process's series are there, with sane values", "[process-metrics]") {
    const std::string text = fleet::process_metrics();
    for (const char* name : {"process_cpu_seconds_total ", "process_resident_memory_bytes ", "process_open_fds ",
                             "process_start_time_seconds "}) {
        INFO(name << " in:\n" << text);
        const auto at = text.find(std::string("\n") + name);
        REQUIRE(at != std::string::npos);
        const double value = std::stod(text.substr(at + 1 + std::string(name).size()));
        CHECK(value >= 0);
        if (std::string(name) == "process_resident_memory_bytes ") CHECK(value > 1024 * 1024);
        if (std::string(name) == "process_open_fds ") CHECK(value >= 3);
        if (std::string(name) == "process_start_time_seconds ") CHECK(value > 1.6e9);
    }
}
