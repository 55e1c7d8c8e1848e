#pragma once

#include <chrono>
#include <string>

namespace fleet {

using SystemTime = std::chrono::system_clock::time_point;

// Wall-clock source passed into logic, so tests can drive time by hand.
class Clock {
public:
    virtual ~Clock() = default;
    virtual SystemTime now() const = 0;
};

class SystemClock final : public Clock {
public:
    SystemTime now() const override;
    static const SystemClock& instance();
};

// UTC ISO 8601 with milliseconds and `Z`, e.g. 2026-11-22T16:47:31.123Z.
std::string to_iso8601(SystemTime t);

}  // namespace fleet
