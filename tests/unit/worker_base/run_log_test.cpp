#include "worker_base/run_log.hpp"

#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>

using namespace fleet;
using namespace fleet::worker;

TEST_CASE("run log: a start and an end line per operation, read back as written", "[run-log]") {
    const auto path = std::filesystem::temp_directory_path() / ("fleet-run-log-" + std::to_string(::getpid()));
    std::filesystem::remove(path);
    const SystemTime at{std::chrono::milliseconds(1'700'000'000'123)};
    {
        RunLog log(path.string());
        log.started("op_1", "echo-1", at);
        log.ended("op_1", "echo-1", OperationStatus::Completed, at + std::chrono::milliseconds(5));
    }
    {
        RunLog reopened(path.string());  // a restarted worker appends to the same file
        reopened.started("op_2", "echo-1", at);
    }
    std::ifstream in(path);
    std::vector<RunLogEntry> entries;
    for (std::string line; std::getline(in, line);)
        if (auto entry = parse_run_log_line(line)) entries.push_back(*entry);
    std::filesystem::remove(path);

    REQUIRE(entries.size() == 3);
    CHECK(entries[0].kind == RunLogEntry::Kind::Start);
    CHECK(entries[0].operation_id == "op_1");
    CHECK(entries[0].worker_id == "echo-1");
    CHECK(entries[0].pid == ::getpid());
    CHECK(entries[0].at_ms == 1'700'000'000'123);
    CHECK(entries[1].kind == RunLogEntry::Kind::End);
    CHECK(entries[1].status == OperationStatus::Completed);
    CHECK(entries[1].at_ms == 1'700'000'000'128);
    CHECK(entries[2].operation_id == "op_2");
}

TEST_CASE("run log: lines that are not a start or an end are not read", "[run-log]") {
    CHECK_FALSE(parse_run_log_line(""));
    CHECK_FALSE(parse_run_log_line("start op_1 echo-1 12"));                // torn: no time
    CHECK_FALSE(parse_run_log_line("end op_1 echo-1 12 1700000000000"));    // no status
    CHECK_FALSE(parse_run_log_line("end op_1 echo-1 12 1700000000000 running"));  // not an end
    CHECK_FALSE(parse_run_log_line("begin op_1 echo-1 12 1700000000000"));
    CHECK_FALSE(parse_run_log_line("start op_1 echo-1 12 1700000000000 extra"));
    CHECK(parse_run_log_line("end op_1 echo-1 12 1700000000000 cancelled")->status == OperationStatus::Cancelled);
}

TEST_CASE("run log: a path that cannot be opened is an error naming it", "[run-log]") {
    CHECK_THROWS_WITH(RunLog("/nonexistent-dir/run.log"), Catch::Contains("/nonexistent-dir/run.log"));
}
