#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <stdexcept>

namespace fleet::worker {

// Thrown by an engine that saw its token cancelled; the operation ends `cancelled`.
class OperationCancelled : public std::runtime_error {
public:
    OperationCancelled() : std::runtime_error("operation cancelled") {}
};

// Shared between the operations service (which cancels) and the engine (which
// checks). Copies share one flag; is_cancelled() is a relaxed atomic load.
// An engine that waits (a pause between steps, a retry's backoff) waits with
// wait_until(), which a cancel ends at once: no polling in short sleeps.
class CancellationToken {
public:
    CancellationToken() : state_(std::make_shared<State>()) {}

    void cancel() const noexcept {
        {
            std::lock_guard lock(state_->mutex);
            state_->cancelled.store(true, std::memory_order_relaxed);
        }
        state_->changed.notify_all();
    }
    bool is_cancelled() const noexcept { return state_->cancelled.load(std::memory_order_relaxed); }
    void throw_if_cancelled() const {
        if (is_cancelled()) throw OperationCancelled();
    }
    // Sleeps until `deadline` or a cancel, whichever comes first; true when cancelled.
    template <typename Clock, typename Duration>
    bool wait_until(std::chrono::time_point<Clock, Duration> deadline) const {
        if (is_cancelled() || Clock::now() >= deadline) return is_cancelled();  // no lock, no system call
        std::unique_lock lock(state_->mutex);
        return state_->changed.wait_until(lock, deadline, [this] { return is_cancelled(); });
    }

private:
    struct State {
        std::atomic<bool> cancelled{false};
        std::mutex mutex;
        std::condition_variable changed;
    };
    std::shared_ptr<State> state_;
};

}  // namespace fleet::worker
