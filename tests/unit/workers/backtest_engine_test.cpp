#include "workers/backtest/backtest_engine.hpp"

#include "tests/support/engine_test_support.hpp"
#include "worker_base/cancellation.hpp"
#include "worker_base/progress_bridge.hpp"
#include "workers/backtest/trades.hpp"
#include "workers/csv/csv.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>
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

// A seeded random walk of `count` bars (each close within 1 % of the last), like
// scripts/generate_sample_data's; std::mt19937's output is fixed by the standard,
// so every build sees the same bars.
fs::path random_walk(const TempDir& dir, const std::string& name, std::size_t count) {
    const auto file = dir.path() / name;
    std::ofstream out(file, std::ios::binary);
    out << "timestamp,open,high,low,close,volume\n";
    std::mt19937 random(20240601);
    double close = 100;
    for (std::size_t i = 0; i < count; ++i) {
        const double open = close;
        close *= 1 + (static_cast<double>(random() % 2001) - 1000) * 1e-5;
        out << "t" << i << ',' << open << ',' << std::max(open, close) << ',' << std::min(open, close) << ','
            << close << ",100\n";
    }
    return file;
}

// The trades file's records, header first.
std::vector<fleet::csv::Row> read_csv(const fs::path& file) {
    fleet::csv::FileReader reader(file);
    std::vector<fleet::csv::Row> rows;
    for (fleet::csv::Row row; reader.next(row);) rows.push_back(row);
    return rows;
}

const fleet::csv::Row kTradesHeader{"entry_time", "exit_time", "entry_price", "exit_price",
                                    "quantity",   "pnl",       "return_pct"};

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
    CHECK(params.max_trades_inline == 1'000);
    CHECK(params.trades_file == dir.path() / "bars.trades.csv");

    const auto other = dir.write("bars.txt", bars({1, 2, 3}));
    CHECK(parse_backtest(request(other)).trades_file.string() == other.string() + ".trades.csv");
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
    check_bad_request(parse_backtest, request(file, R"(, "max_trades_inline": -1)"), "max_trades_inline");
    check_bad_request(parse_backtest, request(file, R"(, "max_trades_inline": 2001)"), "max_trades_inline");
    check_bad_request(parse_backtest, request(file, R"(, "max_trades_inline": 1.5)"), "max_trades_inline");
    check_bad_request(parse_backtest, request(file, R"(, "max_trades_inline": "all")"), "max_trades_inline");
    check_bad_request(parse_backtest, request(file, R"(, "trades_file": 7)"), "trades_file");
    check_bad_request(parse_backtest, request(file, R"(, "trades_file": "")"), "trades_file");
    check_bad_request(parse_backtest, request(file, R"(, "trades_file": ")" + file.string() + "\""), "trades_file");
}

TEST_CASE("backtest: max_trades_inline takes 0 to 2000", "[backtest]") {
    TempDir dir;
    const auto file = dir.write("bars.csv", bars({1, 2, 3}));
    CHECK(parse_backtest(request(file, R"(, "max_trades_inline": 0)")).max_trades_inline == 0);
    CHECK(parse_backtest(request(file, R"(, "max_trades_inline": 2000)")).max_trades_inline == 2000);
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

TEST_CASE("backtest: a short trade list stays inline and writes no file", "[backtest]") {
    TempDir dir;
    ProgressBridge progress;
    const auto result = run(request(dir.write("bars.csv", bars(kOneTrade)), kFastSlow), progress);
    CHECK(result.at("trades").as_array().size() == 1);
    CHECK_FALSE(result.contains("trades_file"));
    CHECK_FALSE(fs::exists(dir.path() / "bars.trades.csv"));
}

TEST_CASE("backtest: more trades than max_trades_inline go to a CSV file, row for row", "[backtest]") {
    TempDir dir;
    const auto data = random_walk(dir, "walk.csv", 3000);
    ProgressBridge inline_progress;
    const auto listed = run(request(data, R"(, "fast": 2, "slow": 4, "max_trades_inline": 2000)"), inline_progress);
    const auto& trades = listed.at("trades").as_array();
    REQUIRE(trades.size() > 50);

    ProgressBridge progress;
    const auto result = run(request(data, R"(, "fast": 2, "slow": 4, "max_trades_inline": 50)"), progress);
    CHECK_FALSE(result.contains("trades"));
    const fs::path trades_file(result.at("trades_file").as_string().c_str());
    CHECK(trades_file == dir.path() / "walk.trades.csv");
    CHECK_FALSE(fs::exists(dir.path() / "walk.trades.csv.partial"));
    CHECK(result.at("trade_count") == trades.size());
    for (const char* summary : {"bars", "final_equity", "total_return_pct", "max_drawdown_pct", "sharpe_ratio",
                                "win_rate_pct"})
        CHECK(result.at(summary) == listed.at(summary));
    CHECK(progress.snapshot().percentage == Approx(100));

    const auto rows = read_csv(trades_file);
    REQUIRE(rows.size() == trades.size() + 1);
    CHECK(rows[0] == kTradesHeader);
    for (std::size_t t = 0; t < trades.size(); ++t) {
        const auto& trade = trades[t].as_object();
        REQUIRE(rows[t + 1].size() == kTradesHeader.size());
        CHECK(trade.size() == kTradesHeader.size());
        for (std::size_t i = 0; i < kTradesHeader.size(); ++i) {
            const auto& value = trade.at(kTradesHeader[i]);
            const auto& field = rows[t + 1][i];
            // The file's numbers read back as the very doubles the inline objects hold.
            if (value.is_string()) CHECK(field == value.as_string().c_str());
            else CHECK(fleet::csv::parse_number(field) == number(value));
        }
    }
}

TEST_CASE("backtest: max_trades_inline 0 always writes the file", "[backtest]") {
    TempDir dir;
    ProgressBridge progress;
    SECTION("one trade") {
        const auto body = request(dir.write("bars.csv", bars(kOneTrade)),
                                  std::string(kFastSlow) + R"(, "max_trades_inline": 0)");
        const auto result = run(body, progress);
        CHECK_FALSE(result.contains("trades"));
        CHECK(result.at("trade_count") == 1);
        const auto rows = read_csv(result.at("trades_file").as_string().c_str());
        REQUIRE(rows.size() == 2);
        CHECK(rows[0] == kTradesHeader);
        CHECK(rows[1] == fleet::csv::Row{"t5", "t10", "12", "15", fleet::csv::format_number(1000.0 / 12),
                                         fleet::csv::format_number(1000.0 / 12 * 15 - 1000), "25"});
    }
    SECTION("no trade: a file with only the header") {
        const auto body = request(dir.write("bars.csv", bars({10, 11, 12})),
                                  std::string(kFastSlow) + R"(, "max_trades_inline": 0)");
        const auto result = run(body, progress);
        CHECK_FALSE(result.contains("trades"));
        CHECK(result.at("trade_count") == 0);
        CHECK(read_csv(result.at("trades_file").as_string().c_str()) == std::vector<fleet::csv::Row>{kTradesHeader});
    }
}

TEST_CASE("backtest: the trades go where trades_file says", "[backtest]") {
    TempDir dir;
    ProgressBridge progress;
    auto body = request(dir.write("bars.csv", bars(kOneTrade)), std::string(kFastSlow) + R"(, "max_trades_inline": 0)");
    const auto chosen = dir.path() / "chosen" / "aapl-fills.csv";
    fs::create_directories(chosen.parent_path());
    body["trades_file"] = chosen.string();
    const auto result = run(body, progress);
    CHECK(result.at("trades_file").as_string() == chosen.string());
    CHECK(read_csv(chosen).size() == 2);
    CHECK_FALSE(fs::exists(dir.path() / "bars.trades.csv"));
}

TEST_CASE("backtest: a trades file that cannot be written fails the run naming it", "[backtest]") {
    TempDir dir;
    ProgressBridge progress;
    auto body = request(dir.write("bars.csv", bars(kOneTrade)), std::string(kFastSlow) + R"(, "max_trades_inline": 0)");
    body["trades_file"] = (dir.path() / "no" / "such" / "dir" / "trades.csv").string();
    CHECK_THROWS_WITH(run(body, progress), Catch::Contains("cannot write trades file"));
}

TEST_CASE("backtest: a cancelled trades file leaves nothing under its name", "[backtest]") {
    TempDir dir;
    const auto path = dir.write("trades.csv", "an earlier run's trades\n");
    const std::vector<Trade> trades(5000, Trade{"t0", "t1", 10, 11, 1, 1, 10});
    const CancellationToken token;
    token.cancel();
    CHECK_THROWS_AS(write_trades_file(trades, path, token), OperationCancelled);
    CHECK(read_csv(path) == std::vector<fleet::csv::Row>{{"an earlier run's trades"}});
    CHECK_FALSE(fs::exists(dir.path() / "trades.csv.partial"));
}

TEST_CASE("backtest: 300,000 bars of fast 2 / slow 3 make a result well under 1 MiB", "[backtest]") {
    TempDir dir;
    ProgressBridge progress;
    const auto result = run(request(random_walk(dir, "long.csv", 300'000), R"(, "fast": 2, "slow": 3)"), progress);
    const auto trade_count = result.at("trade_count").to_number<std::size_t>();
    REQUIRE(trade_count > 1'000);
    CHECK(boost::json::serialize(result).size() < 64 * 1024);
    CHECK(read_csv(result.at("trades_file").as_string().c_str()).size() == trade_count + 1);
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
