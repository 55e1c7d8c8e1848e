#include "backend/storage/sqlite_rows.hpp"

#include "common/json/parse.hpp"
#include "common/json/text.hpp"

#include <boost/json/array.hpp>

#include <algorithm>
#include <chrono>
#include <limits>
#include <stdexcept>

namespace fleet::backend::sqlite_rows {
namespace {

std::vector<std::string> split_columns(std::string_view columns) {
    std::vector<std::string> names;
    for (std::size_t start = 0; start < columns.size();) {
        auto end = std::min(columns.find(',', start), columns.size());
        auto name = columns.substr(start, end - start);
        name.remove_prefix(std::min(name.find_first_not_of(' '), name.size()));
        names.emplace_back(name);
        start = end + 1;
    }
    return names;
}

}  // namespace

std::string insert_sql(const std::string& table, const std::string& columns) {
    const auto names = split_columns(columns);
    std::string placeholders;
    for (std::size_t i = 0; i < names.size(); ++i) placeholders += (i ? ", ?" : "?") + std::to_string(i + 1);
    return "INSERT INTO " + table + " (" + columns + ") VALUES (" + placeholders + ") ON CONFLICT(" + names[0] + ")";
}

std::string upsert_sql(const std::string& table, const std::string& columns) {
    const auto names = split_columns(columns);
    std::string updates;
    for (std::size_t i = 1; i < names.size(); ++i)
        updates += (updates.empty() ? "" : ", ") + names[i] + " = excluded." + names[i];
    return insert_sql(table, columns) + " DO UPDATE SET " + updates;
}

std::string update_sql(const std::string& table, const std::string& columns,
                       const std::vector<std::string_view>& fixed) {
    const auto names = split_columns(columns);
    std::string updates;
    for (std::size_t i = 1; i < names.size(); ++i) {
        if (std::find(fixed.begin(), fixed.end(), names[i]) != fixed.end()) continue;
        updates += (updates.empty() ? "" : ", ") + names[i] + " = ?" + std::to_string(i + 1);
    }
    return "UPDATE " + table + " SET " + updates + " WHERE " + names[0] + " = ?1";
}

std::int64_t to_ms(SystemTime t) {
    return std::chrono::floor<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

SystemTime from_ms(std::int64_t ms) { return SystemTime{std::chrono::milliseconds(ms)}; }

std::optional<std::int64_t> to_ms(const std::optional<SystemTime>& t) {
    if (!t) return std::nullopt;
    return to_ms(*t);
}

std::optional<SystemTime> optional_time(const db::Statement& row, int column) {
    if (row.is_null(column)) return std::nullopt;
    return from_ms(row.int64(column));
}

std::int64_t clamp_to_int64(std::size_t n) {
    return static_cast<std::int64_t>(std::min<std::size_t>(n, std::numeric_limits<std::int64_t>::max()));
}

[[noreturn]] void bad_column(std::string_view column, std::string_view what) {
    throw std::runtime_error("store: " + std::string(column) + " " + std::string(what));
}

boost::json::value parse_json(const std::string& text, std::string_view column) {
    // Exact doubles: stored JSON reads back as it was written.
    boost::json::error_code ec;
    auto value = json::parse(text, ec);
    if (ec) bad_column(column, "is not valid JSON: " + ec.message());
    return value;
}

boost::json::object parse_object(const std::string& text, std::string_view column) {
    auto value = parse_json(text, column);
    if (!value.is_object()) bad_column(column, "is not a JSON object");
    return std::move(value.get_object());
}

std::string to_json(const boost::json::value& value) { return json::to_stored_text(value); }

std::string to_json(const boost::json::object& object) { return json::to_stored_text(object); }

std::string to_json(const std::vector<std::string>& ids) {
    boost::json::array array;
    array.reserve(ids.size());
    for (const auto& id : ids) array.emplace_back(id);
    return json::to_stored_text(array);
}

std::vector<std::string> parse_ids(const std::string& text, std::string_view column) {
    auto value = parse_json(text, column);
    if (!value.is_array()) bad_column(column, "is not a JSON array");
    std::vector<std::string> ids;
    for (const auto& id : value.get_array()) {
        if (!id.is_string()) bad_column(column, "holds a non-string id");
        ids.emplace_back(id.get_string());
    }
    return ids;
}

std::size_t delete_older(db::Database& db, db::Statement& st, SystemTime cutoff, std::size_t limit) {
    Use use(st);
    st.bind(1, to_ms(cutoff));
    st.bind(2, clamp_to_int64(limit));
    st.step();
    return static_cast<std::size_t>(db.changes());
}

}  // namespace fleet::backend::sqlite_rows
