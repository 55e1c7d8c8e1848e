#include "backend/operations/finished_cache.hpp"

#include <algorithm>
#include <mutex>

namespace fleet::backend {

void FinishedCache::put(const std::string& operation_id, std::string answer) {
    std::unique_lock lock(mutex_);
    auto [it, inserted] = answers_.insert_or_assign(operation_id, std::move(answer));
    if (inserted) order_.push_back(operation_id);
    while (order_.size() > capacity_) {
        answers_.erase(order_.front());
        order_.pop_front();
    }
}

void FinishedCache::erase(const std::vector<std::string>& operation_ids) {
    std::unique_lock lock(mutex_);
    std::size_t erased = 0;
    for (const auto& id : operation_ids) erased += answers_.erase(id);
    if (erased == 0) return;
    // One pass over the order per batch, not one per id.
    std::erase_if(order_, [this](const std::string& id) { return !answers_.contains(id); });
}

std::optional<std::string> FinishedCache::get(const std::string& operation_id) const {
    std::shared_lock lock(mutex_);
    auto it = answers_.find(operation_id);
    if (it == answers_.end()) return std::nullopt;
    return it->second;
}

}  // namespace fleet::backend
