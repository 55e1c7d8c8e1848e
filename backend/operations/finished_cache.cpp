#include "backend/operations/finished_cache.hpp"

#include "backend/operations/operation_record.hpp"

#include <algorithm>
#include <mutex>

namespace fleet::backend {

FinishedCache::FinishedCache(Render render, std::size_t capacity, std::size_t unread_capacity)
    : render_(std::move(render)), capacity_(capacity), unread_capacity_(unread_capacity) {}

void FinishedCache::ended(std::shared_ptr<const OperationRecord> operation) {
    if (!render_ || unread_capacity_ == 0) return;
    std::string id = operation->operation_id;
    std::unique_lock lock(mutex_);
    if (!unread_.insert_or_assign(id, std::move(operation)).second) return;
    unread_order_.push_back(std::move(id));
    while (unread_order_.size() > unread_capacity_) {
        unread_.erase(unread_order_.front());
        unread_order_.pop_front();
    }
}

void FinishedCache::put(const std::string& operation_id, std::string answer) {
    std::unique_lock lock(mutex_);
    put_locked(operation_id, std::move(answer));
}

void FinishedCache::put_locked(const std::string& operation_id, std::string answer) {
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
    for (const auto& id : operation_ids) {
        erased += answers_.erase(id);
        unread_.erase(id);
    }
    if (erased == 0) return;
    // One pass over the order per batch, not one per id.
    std::erase_if(order_, [this](const std::string& id) { return !answers_.contains(id); });
}

std::optional<std::string> FinishedCache::get(const std::string& operation_id) {
    std::shared_ptr<const OperationRecord> record;
    {
        std::shared_lock lock(mutex_);
        if (auto it = answers_.find(operation_id); it != answers_.end()) return it->second;
        auto unread = unread_.find(operation_id);
        if (unread == unread_.end()) return std::nullopt;
        record = unread->second;
    }
    std::string answer = render_(*record);  // outside the lock: readers of other answers go on
    std::unique_lock lock(mutex_);
    // Two readers may render the same record at once: the same text, kept once. One the
    // retention erased meanwhile is answered this once and not kept.
    if (unread_.erase(operation_id) > 0 || answers_.contains(operation_id)) put_locked(operation_id, answer);
    return answer;
}

}  // namespace fleet::backend
