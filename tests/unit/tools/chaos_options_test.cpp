#include "tools/chaos/chaos_options.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using fleet::chaos::ChaosOptions;
using fleet::chaos::OptionsExit;
using fleet::chaos::parse_chaos_options;

namespace {

auto parse(std::vector<const char*> argv) {
    argv.insert(argv.begin(), {"fleet-chaos", "--backend-bin", "b", "--worker-bin", "w", "--data", "d"});
    return parse_chaos_options(static_cast<int>(argv.size()), argv.data());
}

// The first line of the usage exit `argv` gets; fails the test when it parses.
std::string refusal(std::vector<const char*> argv) {
    const auto parsed = parse(std::move(argv));
    REQUIRE(std::holds_alternative<OptionsExit>(parsed));
    const auto& exit = std::get<OptionsExit>(parsed);
    CHECK(exit.code == 2);
    return exit.text.substr(0, exit.text.find('\n'));
}

}  // namespace

TEST_CASE("fleet-chaos: --workers and --seed are counts", "[chaos]") {
    const auto parsed = parse({"--workers", "64", "--seed", "18446744073709551615"});
    REQUIRE(std::holds_alternative<ChaosOptions>(parsed));
    CHECK(std::get<ChaosOptions>(parsed).workers == 64);
    CHECK(std::get<ChaosOptions>(parsed).seed == 18'446'744'073'709'551'615u);
    CHECK(refusal({"--workers", "-5"}) ==
          "fleet-chaos: --workers: '-5' is not a plain decimal number (digits only, from 1 to 64)");
    CHECK(refusal({"--workers", "5x"}) ==
          "fleet-chaos: --workers: '5x' is not a plain decimal number (digits only, from 1 to 64)");
    CHECK(refusal({"--workers", "65"}) == "fleet-chaos: --workers: '65' is too large (at most 64)");
    CHECK(refusal({"--seed", "-1"}).rfind("fleet-chaos: --seed: '-1' is not a plain decimal number", 0) == 0);
}
