#include "worker_base/worker_config.hpp"

#include "tests/support/scoped_variable.hpp"

#include <catch2/catch.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

using fleet::worker::ConfigExit;
using fleet::worker::parse_worker_config;
using fleet::worker::WorkerConfig;

namespace {

auto parse(std::vector<const char*> argv) {
    argv.insert(argv.begin(), {"fleet-worker", "--type", "echo"});
    return parse_worker_config(static_cast<int>(argv.size()), argv.data(), {"echo"});
}

// The count options' values, in the order of the table.
struct Counts {
    std::uint16_t port;
    std::size_t max_concurrent, io_threads, max_connections, history;
    bool operator==(const Counts&) const = default;
};

// The counts of a command line that parses; fails the test otherwise.
Counts counts(const std::variant<WorkerConfig, ConfigExit>& parsed) {
    REQUIRE(std::holds_alternative<WorkerConfig>(parsed));
    const auto& c = std::get<WorkerConfig>(parsed);
    return {c.port, c.max_concurrent, c.io_threads, c.max_connections, c.history_limit};
}

// Exit 2 with one line naming the mistake, then the hint; fails the test when it parses.
void check_refused(std::vector<const char*> argv, const std::string& line) {
    auto parsed = parse(std::move(argv));
    REQUIRE(std::holds_alternative<ConfigExit>(parsed));
    const auto& exit = std::get<ConfigExit>(parsed);
    CHECK(exit.code == 2);
    CHECK(exit.text == "fleet-worker: " + line + "\n(try --help)\n");
}

std::string not_a_number(const std::string& option, const std::string& value, const std::string& range) {
    return option + ": '" + value + "' is not a plain decimal number (digits only, " + range + ")";
}

}  // namespace

TEST_CASE("worker config: counts keep their defaults and take plain decimals in range", "[config]") {
    CHECK(counts(parse({})) == Counts{5005, 1, 1, 10'000, 1000});
    CHECK(counts(parse({"--port", "65535", "--max-concurrent", "1024", "--io-threads", "64", "--max-connections",
                        "1000000", "--history", "0"})) == Counts{65535, 1024, 64, 1'000'000, 0});
}

TEST_CASE("worker config: a negative count exits 2 naming the option and the value", "[config]") {
    check_refused({"--port", "-1"}, not_a_number("--port", "-1", "from 0 to 65535"));
    check_refused({"--max-concurrent", "-5"}, not_a_number("--max-concurrent", "-5", "from 1 to 1024"));
    check_refused({"--io-threads", "-5"}, not_a_number("--io-threads", "-5", "from 1 to 64"));
    // The case found last session: this started, clamped to the maximum.
    check_refused({"--max-connections", "-5"}, not_a_number("--max-connections", "-5", "from 16 to 1000000"));
    check_refused({"--history", "-5"}, not_a_number("--history", "-5", "from 0 to 10000000"));
}

TEST_CASE("worker config: a count beyond its range is refused with the range, not clamped", "[config]") {
    check_refused({"--max-concurrent", "0"}, "--max-concurrent: '0' is too small (at least 1)");
    check_refused({"--max-concurrent", "1025"}, "--max-concurrent: '1025' is too large (at most 1024)");
    check_refused({"--io-threads", "0"}, "--io-threads: '0' is too small (at least 1)");
    check_refused({"--max-connections", "8"}, "--max-connections: '8' is too small (at least 16)");
    check_refused({"--history", "18446744073709551616"}, "--history: '18446744073709551616' is too large (at most 10000000)");
    check_refused({"--max-concurrent", "4k"}, not_a_number("--max-concurrent", "4k", "from 1 to 1024"));
}

TEST_CASE("worker config: FLEET_WORKER_* counts go through the same reader and name the variable", "[config]") {
    {
        fleet::test::ScopedVariable variable("FLEET_WORKER_MAX_CONNECTIONS", "-5");
        check_refused({}, not_a_number("--max-connections", "-5", "from 16 to 1000000") +
                              " (from FLEET_WORKER_MAX_CONNECTIONS)");
    }
    {
        fleet::test::ScopedVariable variable("FLEET_WORKER_PORT", "+80");
        check_refused({}, not_a_number("--port", "+80", "from 0 to 65535") + " (from FLEET_WORKER_PORT)");
    }
    {
        fleet::test::ScopedVariable variable("FLEET_WORKER_MAX_CONCURRENT", "8");
        CHECK(counts(parse({})).max_concurrent == 8);
    }
}
