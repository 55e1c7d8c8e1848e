#pragma once

#include "common/clock.hpp"

#include <atomic>
#include <chrono>

namespace fleet::test {

// A clock that moves only when the test advances it.
class ManualClock final : public Clock {
public:
    explicit ManualClock(SystemTime start = SystemTime{std::chrono::seconds(1'800'000'000)}) : now_(start) {}

    SystemTime now() const override { return now_.load(); }
    void advance(std::chrono::milliseconds by) { now_.store(now_.load() + by); }

private:
    std::atomic<SystemTime> now_;
};

}  // namespace fleet::test
