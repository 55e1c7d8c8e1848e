#pragma once

#include "common/clock.hpp"

#include <boost/json/value.hpp>

#include <iosfwd>
#include <string>
#include <string_view>
#include <vector>

namespace fleet::ctl {

// Columns for people: a header in capitals, each column as wide as its widest
// cell, two spaces between, the last column not padded.
class Table {
public:
    explicit Table(std::vector<std::string> headers) : headers_(std::move(headers)) {}
    void add(std::vector<std::string> row);
    std::size_t size() const { return rows_.size(); }
    void print(std::ostream& out) const;

private:
    std::vector<std::string> headers_;
    std::vector<std::vector<std::string>> rows_;
};

// "12s ago", "3m ago", "5h ago", "2d ago", "in 40s"; "-" for null or text that is no time.
std::string relative_time(const boost::json::value& iso8601, SystemTime now);
std::string relative_time_of(std::string_view iso8601, SystemTime now);

// A JSON value as a cell: strings bare, null as "-", numbers as written, the rest as compact JSON.
std::string cell(const boost::json::value& value);
// `object[key]` as a cell; "-" when missing.
std::string cell(const boost::json::value& object, std::string_view key);

// "key  value" lines for one object, nested objects and arrays as compact JSON;
// times get their relative form added.
void print_fields(std::ostream& out, const boost::json::object& object, SystemTime now);

}  // namespace fleet::ctl
