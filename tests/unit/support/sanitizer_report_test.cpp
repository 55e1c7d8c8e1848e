#include "tests/support/sanitizer_report.hpp"

#include <catch2/catch.hpp>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <random>
#include <string>

#include "tests/support/process.hpp"
#include "tests/support/scoped_variable.hpp"

using namespace fleet::test;

namespace {

namespace fs = std::filesystem;

fs::path fresh_dir() {
    std::random_device random;
    auto dir = fs::temp_directory_path() / ("fleet_sanitizer_report_" + std::to_string(::getpid()) + "_" + std::to_string(random()));
    fs::create_directories(dir);
    return dir;
}

}  // namespace

TEST_CASE("sanitizer report: read from <log_path>.<pid> named in the sanitizer options", "[sanitizer-report]") {
    const auto dir = fresh_dir();
    std::ofstream(dir / "report.4242") << "==4242==ERROR: AddressSanitizer: heap-use-after-free\n";
    {
        ScopedVariable asan("ASAN_OPTIONS", "detect_leaks=1:log_path=" + (dir / "report").string() + ":halt_on_error=1");
        CHECK(sanitizer_report(4242) == "==4242==ERROR: AddressSanitizer: heap-use-after-free\n");
        CHECK(sanitizer_report(4243).empty());
    }
    {
        ScopedVariable tsan("TSAN_OPTIONS", "log_path=" + (dir / "report").string());
        ScopedVariable asan("ASAN_OPTIONS", "detect_leaks=1");
        CHECK(sanitizer_report(4242) == "==4242==ERROR: AddressSanitizer: heap-use-after-free\n");
    }
    {
        // Not a sanitizer run, or reports going to stderr: nothing to read.
        ScopedVariable asan("ASAN_OPTIONS", "log_path=stderr");
        ScopedVariable ubsan("UBSAN_OPTIONS", "print_stacktrace=1");
        ScopedVariable tsan("TSAN_OPTIONS", "");
        CHECK(sanitizer_report(4242).empty());
    }
    fs::remove_all(dir);
}

// The child here is a shell writing a report where a sanitized program would: the test must
// fail, so it is marked [!shouldfail] and Catch counts its failure as the pass.
TEST_CASE("sanitizer report: a report left by a child process fails the test that started it", "[sanitizer-report][!shouldfail]") {
    const auto dir = fresh_dir();
    ScopedVariable ubsan("UBSAN_OPTIONS", "print_stacktrace=1:log_path=" + (dir / "report").string());
    {
        Process child("/bin/sh", {"-c", "echo 'runtime error: signed integer overflow' > \"$0.$$\"", (dir / "report").string()});
        REQUIRE(child.wait(std::chrono::seconds(10)) == 0);
    }
    fs::remove_all(dir);
}
