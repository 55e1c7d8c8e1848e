#pragma once

#include "worker_base/cancellation.hpp"

#include <boost/json/object.hpp>

#include <array>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

// A closed trade of the backtest, and the two forms it leaves in: an object in
// the result's inline `trades`, or a row of the trades file.
namespace fleet::workers::backtest {

struct Trade {
    std::string entry_time;
    std::string exit_time;
    double entry_price = 0;
    double exit_price = 0;
    double quantity = 0;
    double pnl = 0;
    double return_pct = 0;
};

// The keys of an inline trade object, which are also the trades file's header.
inline constexpr std::array<std::string_view, 7> kTradeFields{
    "entry_time", "exit_time", "entry_price", "exit_price", "quantity", "pnl", "return_pct"};

boost::json::object to_json(const Trade& trade);

// Writes a header row (kTradeFields) and one row per trade to `path`, through a
// ".partial" file renamed at the end, so a failed or cancelled write leaves
// nothing under `path`. Checks `token` every 1000 trades (OperationCancelled);
// throws std::runtime_error "cannot write trades file '<path>': ..." when the
// file cannot be written.
void write_trades_file(const std::vector<Trade>& trades, const std::filesystem::path& path,
                       const worker::CancellationToken& token);

}  // namespace fleet::workers::backtest
