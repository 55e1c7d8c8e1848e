#pragma once

#include <atomic>
#include <memory>
#include <stdexcept>

namespace fleet::worker {

// Thrown by an engine that saw its token cancelled; the operation ends `cancelled`.
class OperationCancelled : public std::runtime_error {
public:
    OperationCancelled() : std::runtime_error("operation cancelled") {}
};

// Shared between the operations service (which cancels) and the engine (which
// checks). Copies share one flag; is_cancelled() is a relaxed atomic load.
class CancellationToken {
public:
    CancellationToken() : cancelled_(std::make_shared<std::atomic<bool>>(false)) {}

    void cancel() const noexcept { cancelled_->store(true, std::memory_order_relaxed); }
    bool is_cancelled() const noexcept { return cancelled_->load(std::memory_order_relaxed); }
    void throw_if_cancelled() const {
        if (is_cancelled()) throw OperationCancelled();
    }

private:
    std::shared_ptr<std::atomic<bool>> cancelled_;
};

}  // namespace fleet::worker
