#include "common/log.hpp"

#include "common/journal_stream.hpp"
#include "common/json/text.hpp"

#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace fleet::log {
namespace {

std::atomic<Level> g_level{Level::Info};
std::atomic<Sink> g_sink{Sink::Plain};
std::atomic<Format> g_format{Format::Text};
Fields g_process_fields;  // set once, before threads log

const char* name_of(Level level) {
    switch (level) {
        case Level::Debug: return "DEBUG";
        case Level::Info: return "INFO";
        case Level::Warn: return "WARN";
        case Level::Error: return "ERROR";
    }
    return "?";
}

const char* json_name_of(Level level) {
    switch (level) {
        case Level::Debug: return "debug";
        case Level::Info: return "info";
        case Level::Warn: return "warn";
        case Level::Error: return "error";
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

// A text field's value: as it is, or quoted (JSON escapes) when it is empty or has spaces, quotes or `=`.
void append_text_value(std::string& out, const FieldValue& field) {
    const bool plain = !field.is_string || (!field.text.empty() && field.text.find_first_of(" \t\n\"=") == std::string::npos);
    if (plain) out += field.text;
    else json::append_quoted(out, field.text);
}

void append_text_fields(std::string& out, const Fields& fields) {
    for (const auto& field : fields) {
        out += ' ';
        out += field.key;
        out += '=';
        append_text_value(out, field);
    }
}

void append_json_fields(std::string& out, const Fields& fields) {
    for (const auto& field : fields) {
        out += ',';
        json::append_quoted(out, field.key);
        out += ':';
        if (field.is_string) json::append_quoted(out, field.text);
        else out += field.text;
    }
}

void write_stderr(std::string_view text) {
    // One fwrite per line (or per gathered batch) keeps lines from different threads whole.
    std::fwrite(text.data(), 1, text.size(), stderr);
}

// The lines a gathering thread has not written yet (gather_lines_on_this_thread).
struct Gathered {
    std::function<void(std::function<void()>)> post;
    std::string lines;
    ~Gathered() { write_stderr(lines); }  // the thread ends with lines gathered
};
thread_local Gathered t_gathered;

void write_gathered() {
    if (t_gathered.lines.empty()) return;
    write_stderr(t_gathered.lines);
    t_gathered.lines.clear();
    if (t_gathered.lines.capacity() > 64 * 1024) t_gathered.lines.shrink_to_fit();
}

void write_line(Level level, const std::string& line) {
    if (!t_gathered.post) return write_stderr(line);
    if (level >= Level::Warn) {
        write_gathered();
        return write_stderr(line);
    }
    const bool first = t_gathered.lines.empty();
    t_gathered.lines += line;
    if (first) t_gathered.post([] { write_gathered(); });
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

void set_format(Format format) { g_format.store(format, std::memory_order_relaxed); }

std::optional<Format> parse_format(std::string_view name) {
    if (name == "text") return Format::Text;
    if (name == "json") return Format::Json;
    return std::nullopt;
}

void set_process_fields(Fields fields) { g_process_fields = std::move(fields); }

void use_journal_if_connected() {
    const bool journal = is_journal_stream(std::getenv("JOURNAL_STREAM"), STDERR_FILENO);
    g_sink.store(journal ? Sink::Journal : Sink::Plain, std::memory_order_relaxed);
}

std::string format_line(Level level, std::string_view message, SystemTime time, Sink sink, Format format,
                        const Fields& fields) {
    std::string line;
    if (format == Format::Json) {
        // One line whatever the message holds: the journal keeps it whole, with its priority.
        if (sink == Sink::Journal) line += priority_of(level);
        line += R"({"time":")";
        line += to_iso8601(time);
        line += R"(","level":")";
        line += json_name_of(level);
        line += R"(","message":)";
        json::append_quoted(line, message);
        append_json_fields(line, fields);
        line += "}\n";
        return line;
    }
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
    append_text_fields(line, fields);
    line += '\n';
    return line;
}

void write(Level level, std::string_view message, const Fields& fields) {
    const Format format = g_format.load(std::memory_order_relaxed);
    const Fields* all = &fields;
    Fields merged;
    // Text lines are read by people who know which process they look at; a collector does not.
    if (format == Format::Json && !g_process_fields.empty()) {
        merged = g_process_fields;
        merged.insert(merged.end(), fields.begin(), fields.end());
        all = &merged;
    }
    write_line(level, format_line(level, message, SystemClock::instance().now(), g_sink.load(std::memory_order_relaxed),
                                  format, *all));
}

void gather_lines_on_this_thread(std::function<void(std::function<void()>)> post) {
    write_gathered();
    t_gathered.post = std::move(post);
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
    write_gathered();
    write_stderr(format_text(level, text, g_sink.load(std::memory_order_relaxed)));
}

}  // namespace fleet::log
