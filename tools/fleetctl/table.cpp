#include "tools/fleetctl/table.hpp"

#include "common/json/time.hpp"

#include <boost/json/serialize.hpp>

#include <algorithm>
#include <cstdio>
#include <ostream>

namespace fleet::ctl {

void Table::add(std::vector<std::string> row) {
    row.resize(headers_.size());
    rows_.push_back(std::move(row));
}

void Table::print(std::ostream& out) const {
    std::vector<std::size_t> widths(headers_.size());
    for (std::size_t c = 0; c < headers_.size(); ++c) {
        widths[c] = headers_[c].size();
        for (const auto& row : rows_) widths[c] = std::max(widths[c], row[c].size());
    }
    const auto line = [&](const std::vector<std::string>& cells) {
        std::string text;
        for (std::size_t c = 0; c < cells.size(); ++c) {
            text += cells[c];
            if (c + 1 < cells.size()) text.append(widths[c] - cells[c].size() + 2, ' ');
        }
        out << text << '\n';
    };
    line(headers_);
    for (const auto& row : rows_) line(row);
}

std::string relative_time_of(std::string_view iso8601, SystemTime now) {
    const auto time = json::parse_iso8601(iso8601);
    if (!time) return "-";
    const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(now - *time).count();
    const auto magnitude = seconds < 0 ? -seconds : seconds;
    std::string amount;
    if (magnitude < 60) amount = std::to_string(magnitude) + "s";
    else if (magnitude < 3600) amount = std::to_string(magnitude / 60) + "m";
    else if (magnitude < 86400) amount = std::to_string(magnitude / 3600) + "h";
    else amount = std::to_string(magnitude / 86400) + "d";
    return seconds < 0 ? "in " + amount : amount + " ago";
}

std::string relative_time(const boost::json::value& iso8601, SystemTime now) {
    return iso8601.is_string() ? relative_time_of(std::string_view(iso8601.get_string()), now) : "-";
}

std::string cell(const boost::json::value& value) {
    if (value.is_null()) return "-";
    if (value.is_string()) return value.get_string().empty() ? "-" : std::string(value.get_string());
    if (value.is_double()) {
        // Boost.JSON writes 0.501 as 5.01E-1: people read %g.
        char text[32];
        std::snprintf(text, sizeof text, "%.6g", value.get_double());
        return text;
    }
    return boost::json::serialize(value);
}

std::string cell(const boost::json::value& object, std::string_view key) {
    const auto* o = object.if_object();
    if (!o) return "-";
    const auto* v = o->if_contains(key);
    return v ? cell(*v) : "-";
}

void print_fields(std::ostream& out, const boost::json::object& object, SystemTime now) {
    std::size_t width = 0;
    for (const auto& [key, value] : object) width = std::max(width, key.size());
    for (const auto& [key, value] : object) {
        std::string text = cell(value);
        if (value.is_string() && (key.ends_with("_at") || key == "timestamp" || key == "scheduled_for")) {
            const auto relative = relative_time(value, now);
            if (relative != "-") text += " (" + relative + ")";
        }
        out << std::string(key) << std::string(width - key.size() + 2, ' ') << text << '\n';
    }
}

}  // namespace fleet::ctl
