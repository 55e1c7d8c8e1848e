#include "backend/operations/retention.hpp"

#include <algorithm>

namespace fleet::backend {

std::optional<SystemTime> retention_cutoff(SystemTime now, std::chrono::milliseconds retention) {
    if (retention <= std::chrono::milliseconds::zero()) return std::nullopt;
    return now - retention;
}

std::chrono::milliseconds sweep_interval(std::chrono::milliseconds retention) {
    using std::chrono::milliseconds;
    return std::clamp<milliseconds>(retention / 10, std::chrono::seconds(1), std::chrono::seconds(60));
}

bool more_to_sweep(std::size_t deleted, std::size_t batch) { return batch > 0 && deleted >= batch; }

}  // namespace fleet::backend
