#include "common/log.hpp"

#include "common/journal_stream.hpp"

#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace fleet::log {
namespace {

std::atomic<Level> g_level{Level::Info};
std::atomic<Sink> g_sink{Sink::Plain};

const char* name_of(Level level) {
    switch (level) {
        case Level::Debug: return "DEBUG";
        case Level::Info: return "INFO";
        case Level::Warn: return "WARN";
        case Level::Error: return "ERROR";
    }
    return "?";
}

// The sd-daemon(3) prefixes: LOG_DEBUG, LOG_INFO, LOG_WARNING, LOG_ERR.
const char* priority_of(Level level) {
    switch (level) {
        case Level::Debug: return "<7>";
        case Level::Info: return "<6>";
        case Level::Warn: return "<4>";
        case Level::Error: return "<3>";
    }
    return "<6>";
}

// Appends text, repeating the prefix after each newline in it: the journal reads every line
// as an entry of its own, at the priority that line starts with.
void append_lines(std::string& out, std::string_view text, std::string_view prefix) {
    for (auto newline = text.find('\n'); newline != std::string_view::npos; newline = text.find('\n')) {
        out += text.substr(0, newline + 1);
        out += prefix;
        text.remove_prefix(newline + 1);
    }
    out += text;
}

void write_stderr(const std::string& text) {
    // One fwrite per line keeps lines from different threads whole.
    std::fwrite(text.data(), 1, text.size(), stderr);
}

}  // namespace

void set_level(Level level) { g_level.store(level, std::memory_order_relaxed); }

bool enabled(Level level) { return level >= g_level.load(std::memory_order_relaxed); }

std::optional<Level> parse_level(std::string_view name) {
    if (name == "debug") return Level::Debug;
    if (name == "info") return Level::Info;
    if (name == "warn" || name == "warning") return Level::Warn;
    if (name == "error") return Level::Error;
    return std::nullopt;
}

void use_journal_if_connected() {
    const bool journal = is_journal_stream(std::getenv("JOURNAL_STREAM"), STDERR_FILENO);
    g_sink.store(journal ? Sink::Journal : Sink::Plain, std::memory_order_relaxed);
}

std::string format_line(Level level, std::string_view message, SystemTime time, Sink sink) {
    std::string line;
    if (sink == Sink::Journal) {
        line += priority_of(level);
        line += name_of(level);
        line += ' ';
        append_lines(line, message, priority_of(level));
    } else {
        line += to_iso8601(time);
        line += ' ';
        line += name_of(level);
        line += ' ';
        line += message;
    }
    line += '\n';
    return line;
}

void write(Level level, std::string_view message) {
    write_stderr(format_line(level, message, SystemClock::instance().now(), g_sink.load(std::memory_order_relaxed)));
}

std::string format_text(Level level, std::string_view text, Sink sink) {
    if (sink == Sink::Plain) return std::string(text);
    if (text.ends_with('\n')) text.remove_suffix(1);
    std::string lines = priority_of(level);
    append_lines(lines, text, priority_of(level));
    lines += '\n';
    return lines;
}

void write_text(Level level, std::string_view text) {
    write_stderr(format_text(level, text, g_sink.load(std::memory_order_relaxed)));
}

}  // namespace fleet::log
