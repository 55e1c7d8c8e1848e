#include "backend/operations/finished_cache.hpp"

#include <algorithm>

namespace fleet::backend {

void FinishedCache::put(std::shared_ptr<const OperationRecord> operation) {
    auto entry = std::make_shared<Entry>();
    const std::string& id = operation->operation_id;
    entry->operation = std::move(operation);
    std::unique_lock lock(mutex_);
    auto [it, inserted] = entries_.insert_or_assign(id, std::move(entry));
    if (inserted) order_.push_back(it->first);
    while (order_.size() > capacity_) {
        entries_.erase(order_.front());
        order_.pop_front();
    }
}

void FinishedCache::erase(const std::vector<std::string>& operation_ids) {
    std::unique_lock lock(mutex_);
    std::size_t erased = 0;
    for (const auto& id : operation_ids) erased += entries_.erase(id);
    if (erased == 0) return;
    // One pass over the order per batch, not one per id.
    std::erase_if(order_, [this](const std::string& id) { return !entries_.contains(id); });
}

std::optional<std::string> FinishedCache::get(const std::string& operation_id) const {
    std::shared_ptr<Entry> entry;
    {
        std::shared_lock lock(mutex_);
        const auto it = entries_.find(operation_id);
        if (it == entries_.end()) return std::nullopt;
        entry = it->second;
    }
    // Rendered once, outside the lock: readers of other operations never wait for it.
    std::call_once(entry->rendered, [&] { entry->answer = render_(*entry->operation); });
    return entry->answer;
}

}  // namespace fleet::backend
