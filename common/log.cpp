#include "common/log.hpp"

#include "common/clock.hpp"

#include <atomic>
#include <cstdio>
#include <string>

namespace fleet::log {
namespace {

std::atomic<Level> g_level{Level::Info};

const char* name_of(Level level) {
    switch (level) {
        case Level::Debug: return "DEBUG";
        case Level::Info: return "INFO";
        case Level::Warn: return "WARN";
        case Level::Error: return "ERROR";
    }
    return "?";
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

void write(Level level, std::string_view message) {
    std::string line = to_iso8601(SystemClock::instance().now());
    line += ' ';
    line += name_of(level);
    line += ' ';
    line += message;
    line += '\n';
    // One fwrite per line keeps lines from different threads whole.
    std::fwrite(line.data(), 1, line.size(), stderr);
}

}  // namespace fleet::log
