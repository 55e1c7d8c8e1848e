#pragma once

#include "common/clock.hpp"

#include <optional>
#include <sstream>
#include <string>
#include <string_view>

namespace fleet::log {

enum class Level { Debug, Info, Warn, Error };

// Where stderr goes: a terminal or a file gets a timestamp on every line; the systemd journal
// stamps lines itself and takes each line's priority from an sd-daemon prefix ("<4>").
enum class Sink { Plain, Journal };

void set_level(Level level);
bool enabled(Level level);
std::optional<Level> parse_level(std::string_view name);

// Called once by main, before anything is logged: writes in the journal's format when stderr
// is the journal stream systemd gave this process (see is_journal_stream).
void use_journal_if_connected();

// One line as written: "<iso time> LEVEL message\n", or for the journal "<N>LEVEL message\n".
// The journal splits a message at newlines, so there every line of it gets the prefix.
std::string format_line(Level level, std::string_view message, SystemTime time, Sink sink);

// Writes one line to stderr (one fwrite, so lines of different threads stay whole).
void write(Level level, std::string_view message);

// Text meant for a person at a terminal, such as a usage error: as it is, and for the journal
// with the level's prefix on every line (no level word: the text is not a log line).
std::string format_text(Level level, std::string_view text, Sink sink);

// Writes format_text to stderr, whatever the log level.
void write_text(Level level, std::string_view text);

template <typename... Args>
void emit(Level level, const Args&... args) {
    if (!enabled(level)) return;
    std::ostringstream out;
    (out << ... << args);
    write(level, out.str());
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
