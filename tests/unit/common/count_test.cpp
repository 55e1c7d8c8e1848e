#include "common/command_line.hpp"
#include "common/count.hpp"

#include "tests/support/scoped_variable.hpp"

#include <catch2/catch.hpp>

#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

using fleet::parse_count;
namespace po = boost::program_options;

namespace {

// What parse_count says about `text`, or "" when it reads it.
std::string refusal(const std::string& text, std::uint64_t min, std::uint64_t max) {
    try {
        parse_count(text, min, max);
    } catch (const std::invalid_argument& error) {
        return error.what();
    }
    return "";
}

// A table with one count option, --workers (2..64, default 4), read from FLEET_TEST_WORKERS too.
struct Table {
    po::options_description options = fleet::help_table("test");
    po::variables_map vm;

    Table() { options.add_options()("workers", fleet::count_value<std::size_t>(2, 64)->default_value(4), "workers"); }

    // The program_options error `argv` (after the program's name) and the environment get, or "".
    std::string parse(std::vector<const char*> argv) {
        argv.insert(argv.begin(), "test");
        try {
            fleet::store_flags(static_cast<int>(argv.size()), argv.data(), options, vm);
            fleet::store_environment(
                options, [](const std::string& v) { return v == "FLEET_TEST_WORKERS" ? "workers" : ""; }, vm);
            po::notify(vm);
        } catch (const po::error& error) {
            return error.what();
        }
        return "";
    }
};

}  // namespace

TEST_CASE("a count is plain decimal digits within its range", "[count]") {
    CHECK(parse_count("0", 0, 10) == 0);
    CHECK(parse_count("5", 1, 10) == 5);
    CHECK(parse_count("10", 1, 10) == 10);
    CHECK(parse_count("007", 1, 10) == 7);
    const auto max = std::numeric_limits<std::uint64_t>::max();
    CHECK(parse_count("18446744073709551615", 0, max) == max);
}

TEST_CASE("a count refuses signs, spaces, hex, exponents, suffixes and what is out of range", "[count]") {
    for (const std::string text : {"-5", "+5", "0x10", "1e3", "5x", "", " 5", "5 ", "5.0", "-0", "٥"}) {
        INFO(text);
        CHECK(refusal(text, 0, 100) ==
              "'" + text + "' is not a plain decimal number (digits only, from 0 to 100)");
    }
    // 2^64 does not fit, and is said to be too large rather than wrapping round.
    CHECK(refusal("18446744073709551616", 0, 100) == "'18446744073709551616' is too large (at most 100)");
    CHECK(refusal("99999999999999999999999", 1, 64) == "'99999999999999999999999' is too large (at most 64)");
    CHECK(refusal("65", 1, 64) == "'65' is too large (at most 64)");
    CHECK(refusal("0", 1, 64) == "'0' is too small (at least 1)");
}

TEST_CASE("count_value: a count option keeps its default and refuses a bad value naming the option", "[count]") {
    {
        Table table;
        CHECK(table.parse({}).empty());
        CHECK(table.vm["workers"].as<std::size_t>() == 4);
    }
    {
        Table table;
        CHECK(table.parse({"--workers", "64"}).empty());
        CHECK(table.vm["workers"].as<std::size_t>() == 64);
    }
    {
        Table table;
        CHECK(table.parse({"--workers=2"}).empty());
        CHECK(table.vm["workers"].as<std::size_t>() == 2);
    }
    CHECK(Table().parse({"--workers", "-5"}) ==
          "--workers: '-5' is not a plain decimal number (digits only, from 2 to 64)");
    CHECK(Table().parse({"--workers=+5"}) == "--workers: '+5' is not a plain decimal number (digits only, from 2 to 64)");
    CHECK(Table().parse({"--workers", "65"}) == "--workers: '65' is too large (at most 64)");
    CHECK(Table().parse({"--workers", "1"}) == "--workers: '1' is too small (at least 2)");
    CHECK(Table().parse({"--workers", "4", "--workers", "5"}).find("more than once") != std::string::npos);
}

TEST_CASE("count_value: the environment goes through the same reader and names its variable", "[count]") {
    {
        fleet::test::ScopedVariable variable("FLEET_TEST_WORKERS", "8");
        Table table;
        CHECK(table.parse({}).empty());
        CHECK(table.vm["workers"].as<std::size_t>() == 8);
    }
    {
        fleet::test::ScopedVariable variable("FLEET_TEST_WORKERS", "-5");
        CHECK(Table().parse({}) ==
              "--workers: '-5' is not a plain decimal number (digits only, from 2 to 64) (from FLEET_TEST_WORKERS)");
        // A flag wins over the variable, which is then not read.
        Table table;
        CHECK(table.parse({"--workers", "3"}).empty());
        CHECK(table.vm["workers"].as<std::size_t>() == 3);
    }
}
