#include "backend/config.hpp"

#include "tests/support/scoped_variable.hpp"

#include <catch2/catch.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

using fleet::backend::BackendConfig;
using fleet::backend::BackendConfigExit;
using fleet::backend::parse_backend_config;

namespace {

auto parse(std::vector<const char*> argv) {
    argv.insert(argv.begin(), "fleet-backend");
    return parse_backend_config(static_cast<int>(argv.size()), argv.data());
}

// The count options' values, in the order of the table.
struct Counts {
    std::uint16_t port;
    int failure_threshold, max_worker_losses;
    std::size_t io_threads, max_connections, probe_concurrency, max_event_streams, event_history;
    bool operator==(const Counts&) const = default;
};

// The counts of a command line that parses; fails the test otherwise.
Counts counts(const std::variant<BackendConfig, BackendConfigExit>& parsed) {
    REQUIRE(std::holds_alternative<BackendConfig>(parsed));
    const auto& c = std::get<BackendConfig>(parsed);
    return {c.port, c.failure_threshold, c.max_worker_losses, c.io_threads, c.max_connections, c.probe_concurrency,
            c.max_event_streams, c.event_history};
}

// The exit a command line gets; fails the test when it parses.
BackendConfigExit refused(std::vector<const char*> argv) {
    auto parsed = parse(std::move(argv));
    REQUIRE(std::holds_alternative<BackendConfigExit>(parsed));
    return std::get<BackendConfigExit>(parsed);
}

// Exit 2 with one line naming the mistake, then the hint.
void check_refused(std::vector<const char*> argv, const std::string& line) {
    const auto exit = refused(std::move(argv));
    CHECK(exit.code == 2);
    CHECK(exit.text == "fleet-backend: " + line + "\n(try --help)\n");
}

}  // namespace

TEST_CASE("backend config: counts keep their defaults and take plain decimals in range", "[config]") {
    CHECK(counts(parse({})) == Counts{8000, 3, 3, fleet::backend::default_io_threads(), 10'000, 256, 1000, 100'000});
    CHECK(counts(parse({"--port", "0", "--failure-threshold", "1", "--max-worker-losses", "7", "--io-threads", "64",
                        "--max-connections", "16", "--probe-concurrency", "10000", "--max-event-streams", "0",
                        "--event-history", "10000000"})) == Counts{0, 1, 7, 64, 16, 10'000, 0, 10'000'000});
}

TEST_CASE("backend config: a negative count exits 2 naming the option and the value", "[config]") {
    for (const char* option : {"--port", "--failure-threshold", "--max-worker-losses", "--io-threads", "--max-connections",
                               "--probe-concurrency", "--max-event-streams", "--event-history"}) {
        INFO(option);
        const auto exit = refused({option, "-5"});
        CHECK(exit.code == 2);
        CHECK(exit.text.rfind(std::string("fleet-backend: ") + option + ": '-5' is not a plain decimal number", 0) == 0);
    }
}

TEST_CASE("backend config: a count beyond its range is refused with the range, not clamped", "[config]") {
    check_refused({"--io-threads", "65"}, "--io-threads: '65' is too large (at most 64)");
    check_refused({"--max-connections", "15"}, "--max-connections: '15' is too small (at least 16)");
    check_refused({"--max-connections", "18446744073709551611"},
                  "--max-connections: '18446744073709551611' is too large (at most 1000000)");
    check_refused({"--probe-concurrency", "10001"}, "--probe-concurrency: '10001' is too large (at most 10000)");
    check_refused({"--event-history", "0"}, "--event-history: '0' is too small (at least 1)");
    check_refused({"--failure-threshold", "0"}, "--failure-threshold: '0' is too small (at least 1)");
    check_refused({"--max-worker-losses", "2147483648"},
                  "--max-worker-losses: '2147483648' is too large (at most 2147483647)");
    // Boost alone read "-1" into the port as 65535.
    check_refused({"--port", "-1"}, "--port: '-1' is not a plain decimal number (digits only, from 0 to 65535)");
    check_refused({"--port", "65536"}, "--port: '65536' is too large (at most 65535)");
    check_refused({"--port", "0x50"}, "--port: '0x50' is not a plain decimal number (digits only, from 0 to 65535)");
}

TEST_CASE("backend config: FLEET_* counts go through the same reader and name the variable", "[config]") {
    {
        fleet::test::ScopedVariable variable("FLEET_IO_THREADS", "-5");
        check_refused({}, "--io-threads: '-5' is not a plain decimal number (digits only, from 0 to 64) (from FLEET_IO_THREADS)");
    }
    {
        fleet::test::ScopedVariable variable("FLEET_MAX_CONNECTIONS", "1e3");
        check_refused({}, "--max-connections: '1e3' is not a plain decimal number (digits only, from 16 to 1000000) "
                          "(from FLEET_MAX_CONNECTIONS)");
    }
    {
        fleet::test::ScopedVariable variable("FLEET_EVENT_HISTORY", "500");
        CHECK(counts(parse({})).event_history == 500);
    }
}

TEST_CASE("backend config: --io-threads takes the word its help and env file show for the default", "[config]") {
    CHECK(counts(parse({"--io-threads", "auto"})).io_threads == fleet::backend::default_io_threads());
    {
        // deploy/env/backend.env's commented line, uncommented.
        fleet::test::ScopedVariable variable("FLEET_IO_THREADS", "auto");
        CHECK(counts(parse({})).io_threads == fleet::backend::default_io_threads());
    }
    // The word of earlier releases' env files still means the default.
    CHECK(counts(parse({"--io-threads", "cores-1"})).io_threads == fleet::backend::default_io_threads());
    check_refused({"--io-threads", "cores"},
                  "--io-threads: 'cores' is not a plain decimal number (digits only, from 0 to 64)");
}

TEST_CASE("backend config: --io-threads 0 has the core thread serve HTTP too, the default on 1 or 2 cores", "[config]") {
    CHECK(counts(parse({"--io-threads", "0"})).io_threads == 0);
    CHECK(fleet::backend::io_threads_for(0) == 0);  // unknown
    CHECK(fleet::backend::io_threads_for(1) == 0);
    CHECK(fleet::backend::io_threads_for(2) == 0);
    CHECK(fleet::backend::io_threads_for(3) == 2);
    CHECK(fleet::backend::io_threads_for(5) == 4);
    CHECK(fleet::backend::io_threads_for(64) == 4);
}
