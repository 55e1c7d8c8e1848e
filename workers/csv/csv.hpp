#pragma once

#include <cstddef>
#include <filesystem>
#include <fstream>
#include <iosfwd>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

// RFC 4180 CSV shared by the worker engines: comma-separated fields, a field in
// double quotes may hold commas, quotes (doubled) and line breaks. The first
// record is the header; callers treat it as such.
//
// Reading is strict only where guessing would lose data (an unterminated quote
// is a ParseError); otherwise it follows the RFC literally: spaces are part of a
// field, a quote that does not open a field is an ordinary character, a blank
// line is a record of one empty field, CRLF and LF both end a record, and a line
// break inside a quoted field is read as "\n".
namespace fleet::csv {

using Row = std::vector<std::string>;

class ParseError : public std::runtime_error {
public:
    ParseError(std::size_t line, const std::string& message);
    std::size_t line() const noexcept { return line_; }

private:
    std::size_t line_;
};

// Reads one record at a time, so memory holds one record whatever the file size.
class Reader {
public:
    explicit Reader(std::istream& in);

    // Fills `row` with the next record; false at end of input.
    bool next(Row& row);
    // 1-based line on which the record last returned by next() started.
    std::size_t line() const noexcept { return record_line_; }

private:
    bool read_physical_line();

    std::istream& in_;
    std::string buffer_;
    std::size_t lines_read_ = 0;
    std::size_t record_line_ = 0;
};

// A Reader that owns its file.
class FileReader {
public:
    // Throws std::runtime_error naming the path when it cannot be opened.
    explicit FileReader(const std::filesystem::path& path);

    bool next(Row& row) { return reader_.next(row); }
    std::size_t line() const noexcept { return reader_.line(); }

private:
    std::ifstream stream_;
    Reader reader_;
};

// Writes records with "\n" line ends, quoting a field only when it needs it.
class Writer {
public:
    explicit Writer(std::ostream& out);
    void write_row(const Row& row);

private:
    std::ostream& out_;
};

// A field must be quoted when it holds a comma, a quote or a line break.
bool needs_quoting(std::string_view field);
// The field as it is written: quoted (with quotes doubled) only when needed.
std::string escape(std::string_view field);

// The file's first record. Throws std::runtime_error when the file cannot be
// opened, or "<what> '<path>' is empty: no header row" when it has no record.
Row read_header(const std::filesystem::path& path, std::string_view what);

// Records in the file, header included; streams through it once.
std::size_t count_records(const std::filesystem::path& path);

// True when every field is empty or whitespace (a blank line, or ",,,").
bool is_blank(const Row& row);

std::string_view trim(std::string_view field);
// A finite decimal number after trimming whitespace ("+1.5", "-2e3"); nullopt otherwise.
std::optional<double> parse_number(std::string_view field);
// Shortest text that reads back as the same double ("0.25", "1", "1e-07").
std::string format_number(double value);

}  // namespace fleet::csv
