#include "backend/operations/operation_book.hpp"

#include "backend/core/event_bus.hpp"
#include "backend/operations/operation_lifecycle.hpp"
#include "backend/storage/operation_repository.hpp"

#include <stdexcept>
#include <utility>

namespace fleet::backend {

OperationBook::OperationBook(OperationRepository& store, const Clock& clock, EventBus& events)
    : store_(store), clock_(clock), events_(events) {}

OperationBook::QueueKey OperationBook::key_of(const OperationRecord& record) {
    const auto created =
        std::chrono::duration_cast<std::chrono::milliseconds>(record.created_at.time_since_epoch()).count();
    return {-record.priority, created, record.operation_id};
}

void OperationBook::load() {
    active_.clear();
    queues_.clear();
    queued_on_file_.clear();
    for (auto& record : store_.load_unfinished()) {
        if (record.status == OperationStatus::Queued) {
            queues_[record.domain].insert(key_of(record));
            queued_on_file_.insert(record.operation_id);
        }
        record.saved_status = record.status;
        std::string id = record.operation_id;
        active_.emplace(std::move(id), std::move(record));
    }
}

OperationRecord* OperationBook::create(OperationRecord&& record) {
    if (active_.contains(record.operation_id) || ended_.contains(record.operation_id) ||
        store_.exists(record.operation_id))
        return nullptr;
    const SystemTime now = clock_.now();
    record.created_at = now;
    record.updated_at = now;
    unsaved_.insert(record.operation_id);
    std::string id = record.operation_id;
    return &active_.emplace(std::move(id), std::move(record)).first->second;
}

OperationRecord* OperationBook::find_active(const std::string& operation_id) {
    auto it = active_.find(operation_id);
    return it == active_.end() ? nullptr : &it->second;
}

std::optional<OperationRecord> OperationBook::find(const std::string& operation_id) {
    if (const auto* active = find_active(operation_id)) return *active;
    if (auto ended = ended_.find(operation_id); ended != ended_.end()) return *ended->second;
    return store_.find(operation_id);
}

void OperationBook::save(OperationRecord& record) {
    record.updated_at = clock_.now();
    const std::string id = record.operation_id;
    // The first change of a batch books the write (and opens the batch, so
    // what is published below waits for the commit).
    if (changed_.insert(id).second && changed_.size() == 1) store_.before_commit([this] { write_changed(); });
    if (record.status != record.saved_status) {
        const auto from = std::exchange(record.saved_status, record.status);
        if (events_.wanted<OperationStatusChanged>()) events_.publish(OperationStatusChanged{OperationGlance::of(record), from});
    }
    if (is_terminal(record.status)) {
        dequeue(id);
        // Moved out, not copied: `record` is gone after this.
        auto ended = std::make_shared<const OperationRecord>(std::move(active_.extract(id).mapped()));
        if (events_.wanted<OperationEnded>()) events_.publish(OperationEnded{ended});
        // Kept until written; without a group commit it already is.
        if (changed_.contains(id)) ended_.emplace(id, std::move(ended));
    }
}

void OperationBook::progressed(const OperationRecord& record) {
    if (events_.wanted<OperationProgressed>()) events_.publish(OperationProgressed{OperationGlance::of(record)});
}

void OperationBook::write_changed() {
    for (const auto& id : std::exchange(changed_, {})) {
        auto it = active_.find(id);
        const OperationRecord* record = nullptr;
        if (it != active_.end()) record = &it->second;
        else if (auto ended = ended_.find(id); ended != ended_.end()) record = ended->second.get();
        if (!record) continue;
        if (unsaved_.erase(id) == 0) {
            store_.update(*record);
        } else if (store_.insert(*record) == OperationRepository::Insert::DuplicateId) {
            // create() checked the id on this same thread: only a bug gets here.
            throw std::logic_error("operation id '" + id + "' was taken between create and save");
        }
        if (record->status == OperationStatus::Queued) queued_on_file_.insert(id);
        else queued_on_file_.erase(id);
    }
    ended_.clear();
}

void OperationBook::enqueue(OperationRecord& record) {
    if (lifecycle::logged(record, "requeue", lifecycle::requeue(record)).refused()) return;
    queues_[record.domain].insert(key_of(record));
    save(record);
}

void OperationBook::dequeue(const std::string& operation_id) {
    auto it = active_.find(operation_id);
    if (it == active_.end()) return;
    auto queue = queues_.find(it->second.domain);
    if (queue == queues_.end()) return;
    queue->second.erase(key_of(it->second));
    if (queue->second.empty()) queues_.erase(queue);
}

bool OperationBook::has_queued(const std::string& domain) const { return queues_.contains(domain); }

std::vector<std::string> OperationBook::domains_with_queue() const {
    std::vector<std::string> domains;
    for (const auto& [domain, queue] : queues_) domains.push_back(domain);
    return domains;
}

std::size_t OperationBook::queue_depth() const {
    std::size_t depth = 0;
    for (const auto& [domain, queue] : queues_) depth += queue.size();
    return depth;
}

std::map<std::string, std::size_t> OperationBook::queue_depths() const {
    std::map<std::string, std::size_t> depths;
    for (const auto& [domain, queue] : queues_) depths[domain] = queue.size();
    return depths;
}

}  // namespace fleet::backend
