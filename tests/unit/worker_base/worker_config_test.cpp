#include "worker_base/worker_config.hpp"

#include "tests/support/scoped_variable.hpp"

#include <catch2/catch.hpp>

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
    auto defaults = parse({});
    REQUIRE(std::holds_alternative<WorkerConfig>(defaults));
    const auto& d = std::get<WorkerConfig>(defaults);
    CHECK(d.port == 5005);
    CHECK(d.max_concurrent == 1);
    CHECK(d.io_threads == 1);
    CHECK(d.max_connections == 10'000);
    CHECK(d.history_limit == 1000);

    auto given = parse({"--port", "65535", "--max-concurrent", "1024", "--io-threads", "64", "--max-connections",
                        "1000000", "--history", "0"});
    REQUIRE(std::holds_alternative<WorkerConfig>(given));
    const auto& g = std::get<WorkerConfig>(given);
    CHECK(g.port == 65535);
    CHECK(g.max_concurrent == 1024);
    CHECK(g.io_threads == 64);
    CHECK(g.max_connections == 1'000'000);
    CHECK(g.history_limit == 0);
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
        auto parsed = parse({});
        REQUIRE(std::holds_alternative<WorkerConfig>(parsed));
        CHECK(std::get<WorkerConfig>(parsed).max_concurrent == 8);
    }
}
