#include "workers/csv/csv.hpp"

#include <charconv>
#include <cmath>
#include <istream>
#include <ostream>
#include <system_error>

namespace fleet::csv {

ParseError::ParseError(std::size_t line, const std::string& message)
    : std::runtime_error("line " + std::to_string(line) + ": " + message), line_(line) {}

Reader::Reader(std::istream& in) : in_(in) {}

bool Reader::read_physical_line() {
    if (!std::getline(in_, buffer_)) return false;
    ++lines_read_;
    if (!buffer_.empty() && buffer_.back() == '\r') buffer_.pop_back();
    return true;
}

bool Reader::next(Row& row) {
    row.clear();
    if (!read_physical_line()) return false;
    record_line_ = lines_read_;

    std::string field;
    bool in_quotes = false;
    for (;;) {
        for (std::size_t i = 0; i < buffer_.size(); ++i) {
            const char c = buffer_[i];
            if (in_quotes) {
                if (c != '"') {
                    field += c;
                } else if (i + 1 < buffer_.size() && buffer_[i + 1] == '"') {
                    field += '"';
                    ++i;
                } else {
                    in_quotes = false;
                }
            } else if (c == ',') {
                row.push_back(std::move(field));
                field.clear();
            } else if (c == '"' && field.empty()) {
                in_quotes = true;
            } else {
                field += c;
            }
        }
        if (!in_quotes) break;
        // The quoted field goes on past the line break.
        if (!read_physical_line()) throw ParseError(record_line_, "unterminated quoted field");
        field += '\n';
    }
    row.push_back(std::move(field));
    return true;
}

FileReader::FileReader(const std::filesystem::path& path) : stream_(path, std::ios::binary), reader_(stream_) {
    if (!stream_) throw std::runtime_error("cannot open '" + path.string() + "' for reading");
}

Writer::Writer(std::ostream& out) : out_(out) {}

void Writer::write_row(const Row& row) {
    for (std::size_t i = 0; i < row.size(); ++i) {
        if (i > 0) out_ << ',';
        if (needs_quoting(row[i]))
            out_ << escape(row[i]);
        else
            out_ << row[i];
    }
    out_ << '\n';
}

bool needs_quoting(std::string_view field) { return field.find_first_of(",\"\r\n") != std::string_view::npos; }

std::string escape(std::string_view field) {
    if (!needs_quoting(field)) return std::string(field);
    std::string out;
    out.reserve(field.size() + 2);
    out += '"';
    for (char c : field) {
        if (c == '"') out += '"';
        out += c;
    }
    out += '"';
    return out;
}

Row read_header(const std::filesystem::path& path, std::string_view what) {
    FileReader reader(path);
    Row header;
    if (!reader.next(header))
        throw std::runtime_error(std::string(what) + " '" + path.string() + "' is empty: no header row");
    return header;
}

std::size_t count_records(const std::filesystem::path& path) {
    FileReader reader(path);
    Row row;
    std::size_t count = 0;
    while (reader.next(row)) ++count;
    return count;
}

bool is_blank(const Row& row) {
    for (const auto& field : row)
        if (!trim(field).empty()) return false;
    return true;
}

std::string_view trim(std::string_view field) {
    constexpr std::string_view kSpace = " \t\r\n\v\f";
    const auto first = field.find_first_not_of(kSpace);
    if (first == std::string_view::npos) return {};
    const auto last = field.find_last_not_of(kSpace);
    return field.substr(first, last - first + 1);
}

std::optional<double> parse_number(std::string_view field) {
    field = trim(field);
    if (!field.empty() && field.front() == '+') field.remove_prefix(1);
    if (field.empty()) return std::nullopt;
    double value = 0;
    const auto [end, ec] = std::from_chars(field.data(), field.data() + field.size(), value);
    if (ec != std::errc() || end != field.data() + field.size() || !std::isfinite(value)) return std::nullopt;
    return value;
}

std::string format_number(double value) {
    char buffer[64];
    const auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
    if (ec != std::errc()) return std::to_string(value);
    return std::string(buffer, end);
}

}  // namespace fleet::csv
