#pragma once

#include <optional>
#include <sstream>
#include <string_view>

namespace fleet::log {

enum class Level { Debug, Info, Warn, Error };

void set_level(Level level);
bool enabled(Level level);
std::optional<Level> parse_level(std::string_view name);

// Writes one line to stderr: timestamp, level, message.
void write(Level level, std::string_view message);

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
