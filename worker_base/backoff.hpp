#pragma once

#include <chrono>

namespace fleet::worker {

// Exponential backoff: initial, doubling, capped (1 s, 2 s, 4 s ... 30 s).
class Backoff {
public:
    explicit Backoff(std::chrono::milliseconds initial = std::chrono::seconds(1),
                     std::chrono::milliseconds max = std::chrono::seconds(30));

    // The delay before the next attempt; each call doubles the following one.
    std::chrono::milliseconds next();
    void reset();

private:
    std::chrono::milliseconds initial_;
    std::chrono::milliseconds max_;
    std::chrono::milliseconds current_;
};

}  // namespace fleet::worker
