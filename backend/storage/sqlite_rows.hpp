#pragma once

// What the SQLite repositories in this folder share: statement text built
// from one column list, record values to and from columns, and a statement
// borrowed for one call. Not for use outside backend/storage/.

#include "common/clock.hpp"
#include "common/db/sqlite.hpp"

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fleet::backend::sqlite_rows {

// "INSERT INTO t (columns) VALUES (?1, ...) ON CONFLICT(first column)": the
// first column is the primary key; the caller says what a conflict does.
std::string insert_sql(const std::string& table, const std::string& columns);
// The insert, a conflict updating every other column.
std::string upsert_sql(const std::string& table, const std::string& columns);
// Parameters numbered as in the insert (?1 is the key), so one bind function
// serves both. `fixed` columns never change after the insert and are left out:
// SQLite rewrites every index on a column the SET names, changed or not.
std::string update_sql(const std::string& table, const std::string& columns,
                       const std::vector<std::string_view>& fixed);

// Times are INTEGER milliseconds since the Unix epoch (NULL for an empty
// optional); JSON is stored as its text.
std::int64_t to_ms(SystemTime t);
SystemTime from_ms(std::int64_t ms);
std::optional<std::int64_t> to_ms(const std::optional<SystemTime>& t);
std::optional<SystemTime> optional_time(const db::Statement& row, int column);
std::int64_t clamp_to_int64(std::size_t n);

[[noreturn]] void bad_column(std::string_view column, std::string_view what);
boost::json::value parse_json(const std::string& text, std::string_view column);  // exact doubles
boost::json::object parse_object(const std::string& text, std::string_view column);
std::vector<std::string> parse_ids(const std::string& text, std::string_view column);
std::string to_json(const boost::json::value& value);
std::string to_json(const boost::json::object& object);  // without the copy a value made of it would be
std::string to_json(const std::vector<std::string>& ids);

// Leaves a shared statement reset and unbound however the call ends, so it
// never holds a read snapshot open between calls.
class Use {
public:
    explicit Use(db::Statement& statement) : statement_(statement) { statement_.reset(); }
    ~Use() { statement_.reset(); }
    Use(const Use&) = delete;
    Use& operator=(const Use&) = delete;
    db::Statement* operator->() { return &statement_; }
    db::Statement& operator*() { return statement_; }

private:
    db::Statement& statement_;
};

// A retention batch: `st` deletes at most ?2 rows older than ?1; how many it deleted.
std::size_t delete_older(db::Database& db, db::Statement& st, SystemTime cutoff, std::size_t limit);

// A page of a list: how many rows `count` finds, then the rows `list` reads.
// Both take the filters from `bind_filters`; `list` takes the limit and
// offset at `limit_index` and the one after it.
template <typename Row, typename BindFilters, typename Read>
std::size_t read_page(db::Statement& count, db::Statement& list, BindFilters&& bind_filters, int limit_index,
                      std::size_t limit, std::size_t offset, std::vector<Row>& rows, Read&& read) {
    std::size_t total = 0;
    {
        Use st(count);
        bind_filters(*st);
        st->step();
        total = static_cast<std::size_t>(st->int64(0));
    }
    Use st(list);
    bind_filters(*st);
    st->bind(limit_index, clamp_to_int64(limit));
    st->bind(limit_index + 1, clamp_to_int64(offset));
    while (st->step()) rows.push_back(read(*st));
    return total;
}

}  // namespace fleet::backend::sqlite_rows
