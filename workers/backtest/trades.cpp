#include "workers/backtest/trades.hpp"

#include "workers/csv/atomic_writer.hpp"
#include "workers/csv/csv.hpp"

#include <boost/json/string.hpp>
#include <boost/json/value.hpp>

#include <cstddef>

namespace fleet::workers::backtest {
namespace {

constexpr std::size_t kTradesPerCheck = 1000;

// The trade's values in the order of kTradeFields, so the inline objects and the
// file's columns cannot drift apart.
std::array<boost::json::value, kTradeFields.size()> values(const Trade& trade) {
    return {boost::json::string(trade.entry_time), boost::json::string(trade.exit_time), trade.entry_price,
            trade.exit_price, trade.quantity, trade.pnl, trade.return_pct};
}

}  // namespace

boost::json::object to_json(const Trade& trade) {
    boost::json::object out;
    const auto fields = values(trade);
    for (std::size_t i = 0; i < fields.size(); ++i) out[kTradeFields[i]] = fields[i];
    return out;
}

void write_trades_file(const std::vector<Trade>& trades, const std::filesystem::path& path,
                       const worker::CancellationToken& token) {
    csv::AtomicWriter writer(path, "trades file");
    writer.write_row(csv::Row(kTradeFields.begin(), kTradeFields.end()));
    csv::Row row(kTradeFields.size());
    for (std::size_t t = 0; t < trades.size(); ++t) {
        if (t % kTradesPerCheck == 0) token.throw_if_cancelled();
        const auto fields = values(trades[t]);
        for (std::size_t i = 0; i < fields.size(); ++i) {
            const auto& field = fields[i];
            row[i] = field.is_string() ? std::string(field.get_string()) : csv::format_number(field.as_double());
        }
        writer.write_row(row);
    }
    writer.commit();
}

}  // namespace fleet::workers::backtest
