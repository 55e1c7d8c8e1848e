#include "common/clock.hpp"

namespace fleet {

SystemTime SystemClock::now() const { return std::chrono::system_clock::now(); }

const SystemClock& SystemClock::instance() {
    static const SystemClock clock;
    return clock;
}

std::string to_iso8601(SystemTime t) {
    using namespace std::chrono;
    const auto ms = floor<milliseconds>(t);
    const auto day = floor<days>(ms);
    const year_month_day date{day};
    const hh_mm_ss<milliseconds> time{ms - day};
    // Written by hand: this runs on every /health, and snprintf costs more than the rest.
    char buf[24];
    const auto put = [&buf](int at, unsigned value, int width) {
        for (int i = width - 1; i >= 0; --i, value /= 10) buf[at + i] = static_cast<char>('0' + value % 10);
    };
    put(0, static_cast<unsigned>(static_cast<int>(date.year())), 4);
    buf[4] = '-';
    put(5, static_cast<unsigned>(date.month()), 2);
    buf[7] = '-';
    put(8, static_cast<unsigned>(date.day()), 2);
    buf[10] = 'T';
    put(11, static_cast<unsigned>(time.hours().count()), 2);
    buf[13] = ':';
    put(14, static_cast<unsigned>(time.minutes().count()), 2);
    buf[16] = ':';
    put(17, static_cast<unsigned>(time.seconds().count()), 2);
    buf[19] = '.';
    put(20, static_cast<unsigned>(time.subseconds().count()), 3);
    buf[23] = 'Z';
    return std::string(buf, sizeof buf);
}

}  // namespace fleet
