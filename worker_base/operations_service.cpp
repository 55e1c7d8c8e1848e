#include "worker_base/operations_service.hpp"

#include "common/ids.hpp"

#include <algorithm>

namespace fleet::worker {

OperationsService::OperationsService(std::string operation_type, std::size_t max_concurrent,
                                     std::size_t history_limit, const Clock& clock)
    : operation_type_(std::move(operation_type)),
      max_concurrent_(std::max<std::size_t>(1, max_concurrent)),
      history_limit_(history_limit),
      clock_(clock) {}

Claim OperationsService::claim(const std::optional<std::string>& task_id, boost::json::object metadata,
                               bool end_in_start_answer) {
    std::lock_guard lock(mutex_);
    if (task_id && records_.contains(*task_id)) return Claim{ClaimOutcome::Existing, *task_id};
    if (draining_ || active_.size() >= max_concurrent_) {
        return Claim{draining_ ? ClaimOutcome::Draining : ClaimOutcome::Busy,
                     active_.empty() ? std::string() : active_.front()};
    }
    std::string id = task_id ? *task_id : "worker_" + random_hex(12);
    while (!task_id && records_.contains(id)) id = "worker_" + random_hex(12);

    const SystemTime now = clock_.now();
    const auto [it, inserted] = records_.try_emplace(std::move(id));
    const std::string& key = it->first;
    Record& record = it->second;
    record.sequence = next_sequence_++;
    record.progress = std::make_shared<ProgressBridge>(clock_);
    record.view.operation_id = key;
    record.view.operation_type = operation_type_;
    record.view.status = OperationStatus::Pending;
    record.view.metadata = std::make_shared<const boost::json::object>(std::move(metadata));
    record.view.created_at = now;
    record.view.updated_at = now;
    record.view.end_in_start_answer = end_in_start_answer;
    by_age_.emplace(record.sequence, &key);
    active_.push_back(key);
    return Claim{ClaimOutcome::Started, key, record.progress, record.token};
}

void OperationsService::mark_running(const std::string& id) {
    const SystemTime now = clock_.now();
    std::lock_guard lock(mutex_);
    auto it = records_.find(id);
    if (it == records_.end() || it->second.view.status != OperationStatus::Pending) return;
    it->second.view.status = OperationStatus::Running;
    it->second.view.started_at = now;
    it->second.view.updated_at = now;
    it->second.progress->start();
}

std::optional<OperationView> OperationsService::complete(const std::string& id, boost::json::value result) {
    return finish(id, OperationStatus::Completed, std::move(result), {});
}

std::optional<OperationView> OperationsService::fail(const std::string& id, std::string error_message) {
    return finish(id, OperationStatus::Failed, nullptr, std::move(error_message));
}

std::optional<OperationView> OperationsService::mark_cancelled(const std::string& id) {
    return finish(id, OperationStatus::Cancelled, nullptr, "cancelled");
}

std::optional<OperationView> OperationsService::finish(const std::string& id, OperationStatus status,
                                                    boost::json::value result, std::string error) {
    const SystemTime now = clock_.now();
    std::optional<OperationView> finished;
    std::shared_ptr<const std::vector<FinishedListener>> listeners;
    {
        std::lock_guard lock(mutex_);
        auto it = records_.find(id);
        if (it == records_.end() || is_terminal(it->second.view.status)) return std::nullopt;
        Record& record = it->second;
        if (status == OperationStatus::Completed) record.progress->update(100.0);
        record.view.status = status;
        if (!result.is_null()) record.view.result = std::make_shared<const boost::json::value>(std::move(result));
        record.view.error_message = std::move(error);
        record.view.updated_at = now;
        record.view.completed_at = now;
        std::erase(active_, id);
        finished_order_.push_back(&it->first);
        finished = view_of(record);
        listeners = listeners_;
        evict_finished();
    }
    for (const auto& listener : *listeners) listener(*finished);
    return finished;
}

void OperationsService::evict_finished() {
    while (finished_order_.size() > history_limit_) {
        auto it = records_.find(*finished_order_.front());
        if (it != records_.end()) {
            by_age_.erase(it->second.sequence);
            records_.erase(it);
        }
        finished_order_.pop_front();
    }
}

CancelOutcome OperationsService::cancel(const std::string& id) {
    std::lock_guard lock(mutex_);
    auto it = records_.find(id);
    if (it == records_.end()) return CancelOutcome::NotFound;
    if (is_terminal(it->second.view.status)) return CancelOutcome::AlreadyTerminal;
    it->second.token.cancel();
    it->second.view.updated_at = clock_.now();
    return CancelOutcome::Requested;
}

void OperationsService::cancel_all() {
    std::lock_guard lock(mutex_);
    for (const auto& id : active_) records_.at(id).token.cancel();
}

OperationView OperationsService::view_of(const Record& record) const {
    OperationView view = record.view;
    view.progress = record.progress->snapshot();
    return view;
}

std::optional<OperationView> OperationsService::get(const std::string& id) const {
    std::lock_guard lock(mutex_);
    auto it = records_.find(id);
    if (it == records_.end()) return std::nullopt;
    return view_of(it->second);
}

OperationPage OperationsService::list(const OperationFilter& filter) const {
    OperationPage page;
    std::lock_guard lock(mutex_);
    for (auto it = by_age_.rbegin(); it != by_age_.rend(); ++it) {
        const Record& record = records_.at(*it->second);
        if (filter.operation_type && *filter.operation_type != record.view.operation_type) continue;
        if (filter.status && *filter.status != record.view.status) continue;
        if (page.total >= filter.offset && page.operations.size() < filter.limit)
            page.operations.push_back(view_of(record));
        ++page.total;
    }
    return page;
}

std::optional<MetricsPage> OperationsService::metrics(const std::string& id, std::uint64_t cursor,
                                                      std::size_t limit) const {
    std::shared_ptr<ProgressBridge> progress;
    {
        std::lock_guard lock(mutex_);
        auto it = records_.find(id);
        if (it == records_.end()) return std::nullopt;
        progress = it->second.progress;
    }
    return progress->metrics_after(cursor, limit);
}

void OperationsService::set_draining() {
    std::lock_guard lock(mutex_);
    draining_ = true;
}

bool OperationsService::draining() const {
    std::lock_guard lock(mutex_);
    return draining_;
}

std::vector<std::string> OperationsService::active_ids() const {
    std::lock_guard lock(mutex_);
    return active_;
}

std::map<OperationStatus, std::size_t> OperationsService::count_by_status() const {
    std::map<OperationStatus, std::size_t> counts;
    std::lock_guard lock(mutex_);
    for (const auto& [id, record] : records_) ++counts[record.view.status];
    return counts;
}

void OperationsService::on_finished(FinishedListener listener) {
    std::lock_guard lock(mutex_);
    auto listeners = std::make_shared<std::vector<FinishedListener>>(*listeners_);
    listeners->push_back(std::move(listener));
    listeners_ = std::move(listeners);
}

}  // namespace fleet::worker
