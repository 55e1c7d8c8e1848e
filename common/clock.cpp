#include "common/clock.hpp"

#include <cstdio>
#include <ctime>

namespace fleet {

SystemTime SystemClock::now() const { return std::chrono::system_clock::now(); }

const SystemClock& SystemClock::instance() {
    static const SystemClock clock;
    return clock;
}

std::string to_iso8601(SystemTime t) {
    using namespace std::chrono;
    const auto ms_total = duration_cast<milliseconds>(t.time_since_epoch()).count();
    auto secs = static_cast<std::time_t>(ms_total / 1000);
    auto ms = static_cast<int>(ms_total % 1000);
    if (ms < 0) {
        ms += 1000;
        --secs;
    }
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char buf[64];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                  tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
    return buf;
}

}  // namespace fleet
