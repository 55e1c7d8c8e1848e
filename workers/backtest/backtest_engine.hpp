#pragma once

#include "worker_base/cancellation.hpp"
#include "worker_base/progress_bridge.hpp"
#include "worker_base/worker_type.hpp"

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

// The `backtest` worker type (domain `backtests`): a long-only moving-average
// crossover on the close of an OHLCV CSV file.
//
// Request:
//   symbol           required string.
//   timeframe        required: <N><unit>, unit m (1..1440), h (1..24), d (1..365), w (1..52),
//                    e.g. "1m", "5m", "1h", "4h", "1d", "1w".
//   data_file        required; an existing CSV whose header has the columns
//                    timestamp, open, high, low, close, volume (any order, any case).
//   fast             integer >= 1, default 10 (bars in the fast SMA).
//   slow             integer > fast, default 30.
//   initial_capital  number > 0, default 10000.
//   max_trades_inline  integer 0..2000, default 1000: the most trades the result
//                    lists inline; with more, they go to trades_file instead.
//                    0 sends them to the file every time, even when there are none.
//   trades_file      optional; where the trades go when there are more than
//                    max_trades_inline. Default: data_file with ".csv" replaced
//                    by ".trades.csv" (appended when it does not end in ".csv").
//                    Must not be data_file. Written atomically (a ".partial"
//                    file renamed at the end), so a failed or cancelled run
//                    leaves nothing; untouched when the trades stay inline.
//   Any other field is refused, except the backend's dispatch keys
//   (priority, requirements, max_retries), which are ignored.
//
// Strategy: when the fast SMA crosses above the slow SMA, buy with all equity
// (fractional quantity) at that bar's close; when it crosses below, sell at the
// close. An open position is closed at the last bar; a position the last bar
// would open is not taken. No fees, no slippage. Timestamps are copied as text.
// Blank lines are skipped; any other malformed row is a std::runtime_error
// naming its line.
//
// Sharpe ratio: mean / sample standard deviation of per-bar equity returns,
// times sqrt(bars per year). Bars per year follow US equity sessions: 252
// trading days of 6.5 hours (390 minutes), so 1m -> 98'280, 1h -> 1'638,
// 4h -> 409.5, 1d -> 252, 1w -> 52 (divided by N for an N-unit bar).
namespace fleet::workers::backtest {

struct BacktestParams {
    std::string symbol;
    std::string timeframe;
    double bars_per_year = 0;  // from timeframe
    std::filesystem::path data_file;
    std::int64_t fast = 10;
    std::int64_t slow = 30;
    double initial_capital = 10'000;
    std::int64_t max_trades_inline = 1'000;
    std::filesystem::path trades_file;
};

// Bars in a year for a timeframe such as "1h", by the convention above; nullopt when invalid.
std::optional<double> bars_per_year(std::string_view timeframe);

// Throws ApiError 400 naming symbol, timeframe, data_file, fast, slow, initial_capital,
// max_trades_inline or trades_file.
BacktestParams parse_backtest(const boost::json::object& request);

// Result: {"symbol", "timeframe", "bars", "trades": [{"entry_time", "exit_time",
// "entry_price", "exit_price", "quantity", "pnl", "return_pct"}], "trade_count",
// "initial_capital", "final_equity", "total_return_pct", "max_drawdown_pct",
// "sharpe_ratio", "win_rate_pct"}. Percentages are in percent (12.5 means 12.5 %);
// max_drawdown_pct is positive. When trade_count > max_trades_inline, or
// max_trades_inline is 0, "trades" is replaced by "trades_file" (its path): a CSV
// with a header row naming those seven fields and one row per trade. Throws
// std::runtime_error when that file cannot be written.
// Progress fields: current_bar, total_bars; metric `equity` every 100 bars and at the end.
boost::json::value run_backtest(const BacktestParams& params, worker::ProgressBridge& progress,
                                const worker::CancellationToken& token);

// Type `backtest`, domain `backtests`.
worker::WorkerType worker_type();

}  // namespace fleet::workers::backtest
