#pragma once

#include "common/clock.hpp"

#include <charconv>
#include <cstdint>
#include <functional>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace fleet::log {

enum class Level { Debug, Info, Warn, Error };

// Where stderr goes: a terminal or a file gets a timestamp on every line; the systemd journal
// stamps lines itself and takes each line's priority from an sd-daemon prefix ("<4>").
enum class Sink { Plain, Journal };

// How a line is written (--log-format): text for people, or one JSON object a line
// ({"time", "level", "message", ...fields}) for a log collector.
enum class Format { Text, Json };

void set_level(Level level);
bool enabled(Level level);
std::optional<Level> parse_level(std::string_view name);

void set_format(Format format);
std::optional<Format> parse_format(std::string_view name);

// Called once by main, before anything is logged: writes in the journal's format when stderr
// is the journal stream systemd gave this process (see is_journal_stream).
void use_journal_if_connected();

// A field of a line, e.g. field("operation_id", id): a JSON member of its own in JSON, and
// ` key=value` after the message in text. It refers to its value: made and used in one call.
template <typename T>
struct Field {
    std::string_view key;
    const T& value;
};
template <typename T>
Field<T> field(std::string_view key, const T& value) {
    return {key, value};
}

// A field's value as written: a string (quoted in JSON, and in text when it has spaces) or a
// number or boolean (written as it is).
struct FieldValue {
    std::string key;
    std::string text;
    bool is_string = true;
};
using Fields = std::vector<FieldValue>;

// Fields every JSON line of this process carries (the worker's worker_id). Set before
// the process has threads that log.
void set_process_fields(Fields fields);

// One line as written. Text: "<iso time> LEVEL message key=value ...\n", or for the journal
// "<N>LEVEL message ...\n" (the journal splits a message at newlines, so there every line of
// it gets the prefix). JSON: {"time":...,"level":"info","message":...,fields...}\n, with the
// journal's priority prefix before it for the journal.
std::string format_line(Level level, std::string_view message, SystemTime time, Sink sink,
                        Format format = Format::Text, const Fields& fields = {});

// Writes one line to stderr (one fwrite, so lines of different threads stay whole), or, on a
// thread that gathers its lines (below), below warn, adds it to that thread's next write.
void write(Level level, std::string_view message, const Fields& fields = {});

// A busy thread (the backend's core) that logs a line or two for every operation gathers its
// debug and info lines and writes them together: the first line gathered calls `post` with the
// write, which the thread's event loop runs behind the work already queued, so lines wait
// microseconds and cost one write(2) a batch instead of one each. A warn or error line writes
// what is gathered, then itself, at once. Call on that thread; `post` must run its function on
// it. Until then (and on every other thread) each line is written at once.
// What is gathered when the thread ends is written then.
void gather_lines_on_this_thread(std::function<void(std::function<void()>)> post);

// Text meant for a person at a terminal, such as a usage error: as it is, and for the journal
// with the level's prefix on every line (no level word: the text is not a log line).
std::string format_text(Level level, std::string_view text, Sink sink);

// Writes format_text to stderr, whatever the log level.
void write_text(Level level, std::string_view text);

namespace detail {

// Appends one part of a message: text and numbers directly, anything else through its operator<<.
template <typename T>
void append_part(std::string& out, const T& part) {
    using V = std::decay_t<T>;
    if constexpr (std::is_same_v<V, char>) {
        out += part;
    } else if constexpr (std::is_same_v<V, bool>) {
        out += part ? "1" : "0";  // as operator<< writes it
    } else if constexpr (std::is_floating_point_v<V>) {
        char buffer[32];  // six significant digits, as operator<< writes it
        out.append(buffer, std::to_chars(buffer, buffer + sizeof buffer, part, std::chars_format::general, 6).ptr);
    } else if constexpr (std::is_arithmetic_v<V>) {
        char buffer[32];
        out.append(buffer, std::to_chars(buffer, buffer + sizeof buffer, part).ptr);
    } else if constexpr (std::is_convertible_v<const T&, std::string_view>) {
        out += std::string_view(part);
    } else {
        std::ostringstream text;
        text << part;
        out += text.str();
    }
}

// A field's value: booleans and numbers as JSON writes them (a double at its shortest exact
// decimal), anything else as text, the way it reads in a message.
template <typename T>
FieldValue value_of(std::string_view key, const T& value) {
    using V = std::decay_t<T>;
    if constexpr (std::is_same_v<V, bool>) {
        return {std::string(key), value ? "true" : "false", false};
    } else if constexpr (std::is_arithmetic_v<V> && !std::is_same_v<V, char>) {
        char buffer[32];
        const auto end = std::to_chars(buffer, buffer + sizeof buffer, value).ptr;
        return {std::string(key), std::string(buffer, end), false};
    } else {
        FieldValue field{std::string(key), {}, true};
        append_part(field.text, value);
        return field;
    }
}

// Collects one call's arguments: fields apart, everything else into the message.
class LineBuilder {
public:
    template <typename T>
    void add(const Field<T>& f) {
        fields_.push_back(value_of(f.key, f.value));
    }
    template <typename T>
    void add(const T& part) {
        append_part(message_, part);
    }
    void write(Level level) const { log::write(level, message_, fields_); }

private:
    std::string message_;
    Fields fields_;
};

}  // namespace detail

// Nothing is formatted, and no field built, when `level` is off.
template <typename... Args>
void emit(Level level, const Args&... args) {
    if (!enabled(level)) return;
    detail::LineBuilder line;
    (line.add(args), ...);
    line.write(level);
}

template <typename... Args>
void debug(const Args&... args) { emit(Level::Debug, args...); }
template <typename... Args>
void info(const Args&... args) { emit(Level::Info, args...); }
template <typename... Args>
void warn(const Args&... args) { emit(Level::Warn, args...); }
template <typename... Args>
void error(const Args&... args) { emit(Level::Error, args...); }

}  // namespace fleet::log
