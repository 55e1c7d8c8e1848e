#pragma once

#include <chrono>
#include <thread>

namespace fleet::test {

// Asks again every few milliseconds until `condition` holds or the deadline
// passes, as a user watching progress with curl would. Tests wait on a
// condition like this, never on a fixed sleep.
template <typename Condition>
bool eventually(Condition condition, std::chrono::milliseconds timeout = std::chrono::seconds(15)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        if (condition()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return condition();
}

}  // namespace fleet::test
