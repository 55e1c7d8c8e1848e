#include "workers/backtest/backtest_engine.hpp"

#include "tests/support/engine_test_support.hpp"
#include "worker_base/cancellation.hpp"
#include "worker_base/progress_bridge.hpp"

#include <boost/json/parse.hpp>
#include <catch2/catch.hpp>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

using namespace fleet::workers::backtest;
using namespace fleet::worker;
using namespace fleet::test;
namespace fs = std::filesystem;

namespace {

// Bars t0, t1, ... whose open, high, low and close are all the given close.
std::string bars(const std::vector<double>& closes) {
    std::string out = "timestamp,open,high,low,close,volume\n";
    for (std::size_t i = 0; i < closes.size(); ++i) {
        const auto c = std::to_string(closes[i]);
        out += "t" + std::to_string(i) + "," + c + "," + c + "," + c + "," + c + ",100\n";
    }
    return out;
}

boost::json::object request(const fs::path& data_file, std::string_view extra = "") {
    auto body = boost::json::parse(R"({"symbol": "TEST", "timeframe": "1h")" + std::string(extra) + "}").as_object();
    body["data_file"] = data_file.string();
    return body;
}

boost::json::object run(const boost::json::object& body, ProgressBridge& progress) {
    return run_backtest(parse_backtest(body), progress, CancellationToken{}).as_object();
}

double number(const boost::json::value& v) { return v.to_number<double>(); }

// With fast 2 / slow 4 the fast SMA crosses above at t5 (close 12) and below at t10 (close 15).
const std::vector<double> kOneTrade{10, 10, 10, 10, 10, 12, 14, 16, 18, 17, 15, 12, 10};
constexpr std::string_view kFastSlow = R"(, "fast": 2, "slow": 4, "initial_capital": 1000)";

}  // namespace

TEST_CASE("backtest: bars per year follow 252 days of 6.5 hours", "[backtest]") {
    CHECK(*bars_per_year("1m") == Approx(98'280));
    CHECK(*bars_per_year("5m") == Approx(19'656));
    CHECK(*bars_per_year("1h") == Approx(1'638));
    CHECK(*bars_per_year("4h") == Approx(409.5));
    CHECK(*bars_per_year("1d") == Approx(252));
    CHECK(*bars_per_year("1w") == Approx(52));
    for (const char* bad : {"", "h", "0h", "01h", "1y", "1M", "-1h", "1.5h", "25h", "h1"})
        CHECK_FALSE(bars_per_year(bad));
}

TEST_CASE("backtest: parameters have defaults", "[backtest]") {
    TempDir dir;
    const auto file = dir.write("bars.csv", bars({1, 2, 3}));
    const auto params = parse_backtest(request(file));
    CHECK(params.symbol == "TEST");
    CHECK(params.timeframe == "1h");
    CHECK(params.bars_per_year == Approx(1638));
    CHECK(params.data_file == file);
    CHECK(params.fast == 10);
    CHECK(params.slow == 30);
    CHECK(params.initial_capital == Approx(10'000));
}

TEST_CASE("backtest: invalid parameters are a 400 naming the field", "[backtest]") {
    TempDir dir;
    const auto file = dir.write("bars.csv", bars({1, 2, 3}));
    auto without = [&](const char* key) {
        auto body = request(file);
        body.erase(key);
        return body;
    };
    check_bad_request(parse_backtest, without("symbol"), "symbol");
    check_bad_request(parse_backtest, request(file, R"(, "symbol": "")"), "symbol");
    check_bad_request(parse_backtest, without("timeframe"), "timeframe");
    check_bad_request(parse_backtest, request(file, R"(, "timeframe": "7x")"), "timeframe");
    check_bad_request(parse_backtest, without("data_file"), "data_file");
    check_bad_request(parse_backtest, request(dir.write("x", "").parent_path() / "missing.csv"), "data_file");
    check_bad_request(parse_backtest, request(dir.write("no_close.csv", "timestamp,open,high,low,volume\n")),
                      "data_file");
    check_bad_request(parse_backtest, request(dir.write("empty.csv", "")), "data_file");
    check_bad_request(parse_backtest, request(file, R"(, "fast": 0)"), "fast");
    check_bad_request(parse_backtest, request(file, R"(, "fast": "ten")"), "fast");
    check_bad_request(parse_backtest, request(file, R"(, "fast": 10, "slow": 10)"), "slow");
    check_bad_request(parse_backtest, request(file, R"(, "fast": 40)"), "slow");
    check_bad_request(parse_backtest, request(file, R"(, "initial_capital": 0)"), "initial_capital");
    check_bad_request(parse_backtest, request(file, R"(, "initial_capital": "lots")"), "initial_capital");
    check_bad_request(parse_backtest, request(file, R"(, "strategy": "rsi")"), "strategy");
}

TEST_CASE("backtest: one up-cross and one down-cross make exactly one trade", "[backtest]") {
    TempDir dir;
    ProgressBridge progress;
    const auto result = run(request(dir.write("bars.csv", bars(kOneTrade)), kFastSlow), progress);

    CHECK(result.at("symbol") == "TEST");
    CHECK(result.at("timeframe") == "1h");
    CHECK(result.at("bars") == kOneTrade.size());
    REQUIRE(result.at("trade_count") == 1);
    const auto& trade = result.at("trades").as_array().at(0).as_object();
    CHECK(trade.at("entry_time") == "t5");
    CHECK(trade.at("exit_time") == "t10");
    CHECK(number(trade.at("entry_price")) == Approx(12));
    CHECK(number(trade.at("exit_price")) == Approx(15));
    CHECK(number(trade.at("quantity")) == Approx(1000.0 / 12));
    CHECK(number(trade.at("pnl")) == Approx(250));
    CHECK(number(trade.at("return_pct")) == Approx(25));
    CHECK(number(result.at("initial_capital")) == Approx(1000));
    CHECK(number(result.at("final_equity")) == Approx(1250));
    CHECK(number(result.at("total_return_pct")) == Approx(25));
    CHECK(number(result.at("win_rate_pct")) == Approx(100));
    // Equity peaks at 1500 (close 18) and falls to 1250 before the exit.
    CHECK(number(result.at("max_drawdown_pct")) == Approx(100.0 / 6));

    std::vector<double> equity(6, 1000);
    for (double close : {14, 16, 18, 17, 15}) equity.push_back(1000.0 / 12 * close);
    equity.insert(equity.end(), 2, 1250);
    std::vector<double> returns;
    for (std::size_t i = 1; i < equity.size(); ++i) returns.push_back(equity[i] / equity[i - 1] - 1);
    double mean = 0;
    for (double r : returns) mean += r / static_cast<double>(returns.size());
    double variance = 0;
    for (double r : returns) variance += (r - mean) * (r - mean) / static_cast<double>(returns.size() - 1);
    CHECK(number(result.at("sharpe_ratio")) == Approx(mean / std::sqrt(variance) * std::sqrt(1638.0)));

    const auto snapshot = progress.snapshot();
    CHECK(snapshot.fields.at("current_bar") == kOneTrade.size());
    CHECK(snapshot.fields.at("total_bars") == kOneTrade.size());
    check_finished_with_one_metric(progress, "equity", 1250);
}

TEST_CASE("backtest: a position still open is closed at the last bar", "[backtest]") {
    TempDir dir;
    ProgressBridge progress;
    const auto file = dir.write("bars.csv", bars({10, 10, 10, 10, 10, 12, 14, 16}));
    const auto result = run(request(file, kFastSlow), progress);
    REQUIRE(result.at("trade_count") == 1);
    const auto& trade = result.at("trades").as_array().at(0).as_object();
    CHECK(trade.at("entry_time") == "t5");
    CHECK(trade.at("exit_time") == "t7");
    CHECK(number(trade.at("pnl")) == Approx(1000.0 / 12 * 16 - 1000));
    CHECK(number(result.at("max_drawdown_pct")) == Approx(0));
}

TEST_CASE("backtest: no trade without a crossover that can be held", "[backtest]") {
    TempDir dir;
    ProgressBridge progress;
    SECTION("fewer bars than the slow window") {
        const auto result = run(request(dir.write("bars.csv", bars({10, 11, 12})), kFastSlow), progress);
        CHECK(result.at("bars") == 3);
        CHECK(result.at("trade_count") == 0);
        CHECK(number(result.at("final_equity")) == Approx(1000));
        CHECK(number(result.at("sharpe_ratio")) == Approx(0));
        CHECK(number(result.at("win_rate_pct")) == Approx(0));
    }
    SECTION("the only up-cross is on the last bar") {
        const auto result = run(request(dir.write("bars.csv", bars({10, 10, 10, 10, 10, 12})), kFastSlow), progress);
        CHECK(result.at("trade_count") == 0);
        CHECK(number(result.at("final_equity")) == Approx(1000));
    }
}

TEST_CASE("backtest: malformed rows fail naming the line; blank lines are skipped", "[backtest]") {
    TempDir dir;
    ProgressBridge progress;
    const std::string header = "timestamp,open,high,low,close,volume\n";
    SECTION("a close that is not a number") {
        const auto file = dir.write("bars.csv", header + "t0,1,1,1,1,1\n\nt1,1,1,1,abc,1\n");
        CHECK_THROWS_WITH(run(request(file), progress), Catch::Contains("line 4") && Catch::Contains("close"));
    }
    SECTION("a missing field") {
        const auto file = dir.write("bars.csv", header + "t0,1,1,1,1,1\nt1,1,1,1,1\n");
        CHECK_THROWS_WITH(run(request(file), progress), Catch::Contains("line 3"));
    }
    SECTION("a price that is not positive") {
        const auto file = dir.write("bars.csv", header + "t0,1,1,1,0,1\n");
        CHECK_THROWS_WITH(run(request(file), progress), Catch::Contains("line 2") && Catch::Contains("close"));
    }
    SECTION("only a header") {
        CHECK_THROWS_WITH(run(request(dir.write("bars.csv", header)), progress), Catch::Contains("no bars"));
    }
    SECTION("columns in another order and case, with blank lines") {
        const auto file = dir.write("bars.csv", "Close,Timestamp,Open,High,Low,Volume\n\n5,a,5,5,5,1\n6,b,6,6,6,1\n\n");
        const auto result = run(request(file), progress);
        CHECK(result.at("bars") == 2);
        CHECK(progress.snapshot().fields.at("total_bars") == 2);
    }
}

TEST_CASE("backtest: the shipped AAPL sample trades", "[backtest]") {
    ProgressBridge progress;
    auto body = request(fs::path(FLEET_SOURCE_DIR) / "data/sample/AAPL_1h.csv");
    body["symbol"] = "AAPL";
    const auto result = run(body, progress);
    CHECK(result.at("bars") == 2000);
    CHECK(result.at("trade_count").to_number<int>() > 0);
    CHECK(result.at("trades").as_array().size() == result.at("trade_count").to_number<std::size_t>());
    CHECK(number(result.at("max_drawdown_pct")) > 0);
    CHECK(progress.snapshot().fields.at("current_bar") == 2000);
    CHECK(progress.metrics_after(0, 100).metrics.size() == 20);
}

TEST_CASE("backtest: cancelling from another thread stops the run", "[backtest]") {
    TempDir dir;
    const auto file = dir.write("big.csv", "timestamp,open,high,low,close,volume\n");
    {
        std::ofstream out(file, std::ios::app | std::ios::binary);
        for (int i = 0; i < 1'000'000; ++i) out << i << ",1,1,1," << 100 + i % 50 << ",1\n";
    }
    const auto params = parse_backtest(request(file));
    ProgressBridge progress;
    const CancellationToken token;
    cancel_once_started([&] { return run_backtest(params, progress, token); }, progress, token,
                        std::chrono::seconds(60), std::chrono::seconds(30));
}

TEST_CASE("backtest: the worker type is backtest on backtests", "[backtest]") {
    const auto type = worker_type();
    CHECK(type.type == "backtest");
    CHECK(type.domain == "backtests");
}
