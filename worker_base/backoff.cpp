#include "worker_base/backoff.hpp"

#include <algorithm>

namespace fleet::worker {

Backoff::Backoff(std::chrono::milliseconds initial, std::chrono::milliseconds max)
    : initial_(std::max(initial, std::chrono::milliseconds(1))),
      max_(std::max(max, initial_)),
      current_(initial_) {}

std::chrono::milliseconds Backoff::next() {
    const auto delay = current_;
    current_ = (current_ >= max_ / 2) ? max_ : current_ * 2;
    return delay;
}

void Backoff::reset() { current_ = initial_; }

}  // namespace fleet::worker
