#include "workers/backtest/backtest_engine.hpp"

#include "common/http/error.hpp"
#include "common/json/fields.hpp"
#include "workers/backtest/trades.hpp"
#include "workers/csv/csv.hpp"
#include "workers/csv/request_file.hpp"

#include <boost/json/array.hpp>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <stdexcept>
#include <utility>
#include <variant>
#include <vector>

namespace fleet::workers::backtest {
namespace {

namespace fs = std::filesystem;

constexpr std::int64_t kMaxWindow = 100'000;
// The result reaches the backend in a request body limited to 1 MiB; at about 250
// bytes a trade, 2000 inline trades leave room for everything else.
constexpr std::int64_t kMaxTradesInline = 2'000;
constexpr double kTradingDays = 252;
constexpr double kSessionMinutes = 390;  // 6.5 hours
constexpr double kWeeksPerYear = 52;
constexpr std::size_t kCheckEvery = 100;  // bars between cancellation checks and equity metrics

enum Column : std::size_t { kTimestamp, kOpen, kHigh, kLow, kClose, kVolume, kColumnCount };
constexpr std::array<std::string_view, kColumnCount> kColumnNames{"timestamp", "open", "high",
                                                                  "low",       "close", "volume"};

struct Layout {
    std::array<std::size_t, kColumnCount> index{};
    std::size_t width = 0;
};

struct Bar {
    std::string timestamp;
    double close = 0;
};

std::string lower(std::string_view text) {
    std::string out(csv::trim(text));
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

// Where each OHLCV column sits, or the name of the first one missing.
std::variant<Layout, std::string_view> find_columns(const csv::Row& header) {
    Layout layout;
    layout.width = header.size();
    for (std::size_t column = 0; column < kColumnCount; ++column) {
        const auto it = std::find_if(header.begin(), header.end(),
                                     [&](const auto& name) { return lower(name) == kColumnNames[column]; });
        if (it == header.end()) return kColumnNames[column];
        layout.index[column] = static_cast<std::size_t>(it - header.begin());
    }
    return layout;
}

class MalformedRow : public std::runtime_error {
public:
    MalformedRow(const fs::path& path, std::size_t line, const std::string& message)
        : std::runtime_error("data file '" + path.string() + "' line " + std::to_string(line) + ": " + message) {}
};

Bar parse_bar(const csv::Row& row, const Layout& layout, const fs::path& path, std::size_t line) {
    if (row.size() != layout.width)
        throw MalformedRow(path, line,
                           "expected " + std::to_string(layout.width) + " fields, found " + std::to_string(row.size()));
    Bar bar;
    bar.timestamp = std::string(csv::trim(row[layout.index[kTimestamp]]));
    if (bar.timestamp.empty()) throw MalformedRow(path, line, "'timestamp' is empty");
    for (std::size_t column = kOpen; column < kColumnCount; ++column) {
        const std::string& text = row[layout.index[column]];
        const auto value = csv::parse_number(text);
        const std::string name(kColumnNames[column]);
        if (!value) throw MalformedRow(path, line, "'" + name + "' is not a number: '" + text + "'");
        if (column == kVolume ? *value < 0 : *value <= 0)
            throw MalformedRow(path, line, "'" + name + "' is out of range: " + text);
        if (column == kClose) bar.close = *value;
    }
    return bar;
}

// Per-bar equity returns (for the Sharpe ratio) and the deepest fall from a peak.
class EquityStats {
public:
    void add(double equity) {
        if (count_ > 0) {
            // Welford's update keeps the variance stable over millions of bars.
            const double r = equity / previous_ - 1.0;
            ++returns_;
            const double delta = r - mean_;
            mean_ += delta / static_cast<double>(returns_);
            m2_ += delta * (r - mean_);
        }
        ++count_;
        previous_ = equity;
        peak_ = std::max(peak_, equity);
        max_drawdown_ = std::max(max_drawdown_, (peak_ - equity) / peak_);
    }

    double sharpe(double bars_per_year) const {
        if (returns_ < 2) return 0;
        const double sd = std::sqrt(m2_ / static_cast<double>(returns_ - 1));
        return sd > 0 ? mean_ / sd * std::sqrt(bars_per_year) : 0;
    }
    double max_drawdown_pct() const { return max_drawdown_ * 100; }

private:
    std::size_t count_ = 0;
    std::size_t returns_ = 0;
    double previous_ = 0;
    double mean_ = 0;
    double m2_ = 0;
    double peak_ = 0;
    double max_drawdown_ = 0;
};

// Long-only SMA crossover, fed one bar at a time; memory holds `slow` closes.
class CrossoverStrategy {
public:
    CrossoverStrategy(std::size_t fast, std::size_t slow, double capital)
        : fast_(fast), slow_(slow), window_(slow), cash_(capital) {}

    // Returns the equity at this bar's close.
    double on_bar(const Bar& bar) {
        const std::size_t i = bars_++;
        if (i >= slow_) slow_sum_ -= window_[i % slow_];
        if (i >= fast_) fast_sum_ -= window_[(i - fast_) % slow_];
        window_[i % slow_] = bar.close;
        fast_sum_ += bar.close;
        slow_sum_ += bar.close;

        if (i + 1 >= slow_) {
            const double slow_sma = slow_sum_ / static_cast<double>(slow_);
            double diff = fast_sum_ / static_cast<double>(fast_) - slow_sma;
            // Rolling sums drift by rounding; a difference that small is equality.
            if (std::fabs(diff) <= 1e-9 * std::fabs(slow_sma)) diff = 0;
            if (previous_diff_) {
                if (!open_ && *previous_diff_ <= 0 && diff > 0) buy(bar, i);
                else if (open_ && *previous_diff_ >= 0 && diff < 0) sell(bar);
            }
            previous_diff_ = diff;
        }
        last_ = bar;
        return cash_ + (open_ ? open_->quantity * bar.close : 0.0);
    }

    // Closes what is open at the last bar, unless that bar opened it.
    void finish() {
        if (!open_) return;
        if (entry_bar_ + 1 == bars_) {
            cash_ = open_->quantity * open_->entry_price;
            open_.reset();
        } else {
            sell(last_);
        }
    }

    const std::vector<Trade>& trades() const { return trades_; }
    double cash() const { return cash_; }

private:
    void buy(const Bar& bar, std::size_t index) {
        Trade trade;
        trade.entry_time = bar.timestamp;
        trade.entry_price = bar.close;
        trade.quantity = cash_ / bar.close;
        entry_cash_ = cash_;
        entry_bar_ = index;
        cash_ = 0;
        open_ = std::move(trade);
    }

    void sell(const Bar& bar) {
        Trade trade = std::move(*open_);
        open_.reset();
        trade.exit_time = bar.timestamp;
        trade.exit_price = bar.close;
        cash_ = trade.quantity * bar.close;
        trade.pnl = cash_ - entry_cash_;
        trade.return_pct = (trade.exit_price / trade.entry_price - 1.0) * 100;
        trades_.push_back(std::move(trade));
    }

    std::size_t fast_;
    std::size_t slow_;
    std::vector<double> window_;  // the last `slow` closes, by bar index modulo slow
    double fast_sum_ = 0;
    double slow_sum_ = 0;
    std::optional<double> previous_diff_;
    std::size_t bars_ = 0;
    Bar last_;
    double cash_;
    double entry_cash_ = 0;
    std::size_t entry_bar_ = 0;
    std::optional<Trade> open_;
    std::vector<Trade> trades_;
};

std::size_t count_bars(const fs::path& path, const worker::CancellationToken& token) {
    csv::FileReader reader(path);
    csv::Row row;
    std::size_t records = 0;
    std::size_t bars = 0;
    while (reader.next(row)) {
        if (records++ > 0 && !csv::is_blank(row)) ++bars;
        if (records % 1000 == 0) token.throw_if_cancelled();
    }
    return bars;
}

}  // namespace

std::optional<double> bars_per_year(std::string_view timeframe) {
    if (timeframe.size() < 2) return std::nullopt;
    const char unit = timeframe.back();
    const std::string_view digits = timeframe.substr(0, timeframe.size() - 1);
    if (digits.front() == '0') return std::nullopt;
    int n = 0;
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
    if (ec != std::errc() || end != digits.data() + digits.size() || n < 1) return std::nullopt;
    switch (unit) {
        case 'm': return n <= 1440 ? std::optional(kTradingDays * kSessionMinutes / n) : std::nullopt;
        case 'h': return n <= 24 ? std::optional(kTradingDays * kSessionMinutes / (60.0 * n)) : std::nullopt;
        case 'd': return n <= 365 ? std::optional(kTradingDays / n) : std::nullopt;
        case 'w': return n <= 52 ? std::optional(kWeeksPerYear / n) : std::nullopt;
        default: return std::nullopt;
    }
}

BacktestParams parse_backtest(const boost::json::object& request) {
    json::reject_unknown_fields(request, {"symbol", "timeframe", "data_file", "fast", "slow", "initial_capital",
                                          "max_trades_inline", "trades_file", "priority", "requirements",
                                          "max_retries"});
    BacktestParams params;

    params.symbol = json::required_string(request, "symbol");
    json::require(!csv::trim(params.symbol).empty(), "symbol", "must not be empty");

    params.timeframe = json::required_string(request, "timeframe");
    const auto per_year = bars_per_year(params.timeframe);
    json::require(per_year.has_value(), "timeframe",
                  "must be <N><unit> with unit m, h, d or w (e.g. \"1m\", \"1h\", \"1d\"); got '" + params.timeframe +
                      "'");
    params.bars_per_year = *per_year;

    auto [data_file, header] = csv::require_csv_file(request, "data_file");
    params.data_file = std::move(data_file);
    const auto layout = find_columns(header);
    if (const auto* missing = std::get_if<std::string_view>(&layout))
        throw http::bad_request("'data_file' has no '" + std::string(*missing) +
                                "' column; the header must name timestamp, open, high, low, close, volume");

    params.fast = json::optional_int(request, "fast").value_or(10);
    json::require(params.fast >= 1 && params.fast < kMaxWindow, "fast", "must be between 1 and 99999");
    params.slow = json::optional_int(request, "slow").value_or(30);
    json::require(params.slow > params.fast, "slow",
                  "must be greater than 'fast' (" + std::to_string(params.fast) + ")");
    json::require(params.slow <= kMaxWindow, "slow", "must be at most 100000");

    params.initial_capital = json::optional_number(request, "initial_capital").value_or(10'000);
    json::require(std::isfinite(params.initial_capital) && params.initial_capital > 0, "initial_capital",
                  "must be a number greater than 0");

    params.max_trades_inline = json::optional_int(request, "max_trades_inline").value_or(1'000);
    json::require(params.max_trades_inline >= 0 && params.max_trades_inline <= kMaxTradesInline, "max_trades_inline",
                  "must be between 0 and " + std::to_string(kMaxTradesInline));
    params.trades_file =
        csv::optional_output_file(request, "trades_file", params.data_file, "data_file", ".trades.csv");
    return params;
}

boost::json::value run_backtest(const BacktestParams& params, worker::ProgressBridge& progress,
                                const worker::CancellationToken& token) {
    progress.start();
    progress.update(0, "counting bars");
    try {
        const std::size_t total_bars = count_bars(params.data_file, token);
        if (total_bars == 0) throw std::runtime_error("data file '" + params.data_file.string() + "' has no bars");
        progress.set_field("total_bars", total_bars);
        progress.set_field("current_bar", 0);
        progress.update(0, "simulating " + params.symbol + " " + params.timeframe);

        csv::FileReader reader(params.data_file);
        csv::Row row;
        reader.next(row);
        const auto columns = find_columns(row);
        if (const auto* missing = std::get_if<std::string_view>(&columns))
            throw MalformedRow(params.data_file, 1, "no '" + std::string(*missing) + "' column");
        const Layout& layout = std::get<Layout>(columns);

        CrossoverStrategy strategy(static_cast<std::size_t>(params.fast), static_cast<std::size_t>(params.slow),
                                   params.initial_capital);
        EquityStats stats;
        std::size_t bars = 0;
        double equity = params.initial_capital;
        while (reader.next(row)) {
            if (csv::is_blank(row)) continue;
            equity = strategy.on_bar(parse_bar(row, layout, params.data_file, reader.line()));
            stats.add(equity);
            ++bars;
            progress.set_field("current_bar", bars);
            progress.update(100.0 * static_cast<double>(bars) / static_cast<double>(std::max(bars, total_bars)));
            if (bars % kCheckEvery == 0) {
                progress.record_metric("equity", equity);
                token.throw_if_cancelled();
            }
        }
        strategy.finish();
        if (bars % kCheckEvery != 0) progress.record_metric("equity", equity);

        const auto& trades = strategy.trades();
        const auto wins = std::count_if(trades.begin(), trades.end(), [](const Trade& trade) { return trade.pnl > 0; });
        const double final_equity = strategy.cash();

        boost::json::object result;
        result["symbol"] = params.symbol;
        result["timeframe"] = params.timeframe;
        result["bars"] = bars;
        // 0 asks for the file every time, so a caller can rely on trades_file even when nothing traded.
        if (params.max_trades_inline == 0 || trades.size() > static_cast<std::size_t>(params.max_trades_inline)) {
            progress.update(100, "writing " + std::to_string(trades.size()) + " trades to " +
                                     params.trades_file.string());
            write_trades_file(trades, params.trades_file, token);
            result["trades_file"] = params.trades_file.string();
        } else {
            boost::json::array trade_list;
            for (const auto& trade : trades) trade_list.push_back(to_json(trade));
            result["trades"] = std::move(trade_list);
        }
        result["trade_count"] = trades.size();
        result["initial_capital"] = params.initial_capital;
        result["final_equity"] = final_equity;
        result["total_return_pct"] = (final_equity / params.initial_capital - 1.0) * 100;
        result["max_drawdown_pct"] = stats.max_drawdown_pct();
        result["sharpe_ratio"] = stats.sharpe(params.bars_per_year);
        result["win_rate_pct"] =
            trades.empty() ? 0.0 : 100.0 * static_cast<double>(wins) / static_cast<double>(trades.size());
        progress.update(100, "completed");
        return result;
    } catch (const csv::ParseError& e) {
        throw std::runtime_error("data file '" + params.data_file.string() + "' " + e.what());
    }
}

worker::WorkerType worker_type() {
    return worker::make_worker_type<BacktestParams>("backtest", "backtests", &parse_backtest, &run_backtest);
}

}  // namespace fleet::workers::backtest
