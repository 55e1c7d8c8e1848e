#pragma once

#include "backend/operations/operation_record.hpp"
#include "common/clock.hpp"

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace fleet::backend {

class EventBus;
class OperationRepository;

// Every unfinished operation, in memory for the core thread, and the queue of
// each domain (priority, then age). Finished operations live in the store
// only. Changes are written behind, at the store's group commit: an
// operation changed several times in one batch is written once, and still
// before anything that batch acknowledges.
class OperationBook {
public:
    // Each change of an operation's status is published on `events` as
    // OperationStatusChanged, its end as OperationEnded.
    OperationBook(OperationRepository& store, const Clock& clock, EventBus& events);

    void load();

    // In memory only: the caller saves it (a claim) or enqueues it, and that
    // first save inserts it. Nothing (and `record` left as it was) when its id
    // is already taken, active or stored: the caller draws another.
    OperationRecord* create(OperationRecord&& record);
    OperationRecord* find_active(const std::string& operation_id);
    // Its row on file says queued (written and committed so): a backend killed now restarts with it
    // queued, whatever has happened to it since in memory.
    bool queued_on_file(const std::string& operation_id) const { return queued_on_file_.contains(operation_id); }
    std::optional<OperationRecord> find(const std::string& operation_id);

    // Stamps updated_at and has it written at the group commit (inserted the
    // first time, updated after); a new status is published as
    // OperationStatusChanged; a terminal one is published as OperationEnded
    // and leaves memory and queue.
    void save(OperationRecord& record);
    // The record took in new progress from its worker: published as
    // OperationProgressed (call it before the save that writes it).
    void progressed(const OperationRecord& record);
    void enqueue(OperationRecord& record);  // requeued (lifecycle), into the queue, saved; a finished one is refused
    void dequeue(const std::string& operation_id);

    // The id of the first of the first `window` queued operations of `domain`
    // that `fits`, in dispatch order.
    template <typename Fits>
    std::optional<std::string> first_queued(const std::string& domain, std::size_t window, Fits&& fits) const {
        const auto queue = queues_.find(domain);
        if (queue == queues_.end()) return std::nullopt;
        for (const auto& key : queue->second) {
            if (window-- == 0) break;
            const auto it = active_.find(std::get<2>(key));
            if (it != active_.end() && fits(it->second)) return it->first;
        }
        return std::nullopt;
    }
    bool has_queued(const std::string& domain) const;
    std::vector<std::string> domains_with_queue() const;
    std::size_t queue_depth() const;
    // Queued operations by domain (domains with none are absent).
    std::map<std::string, std::size_t> queue_depths() const;

    template <typename Visit>
    void for_each_active(Visit&& visit) const {
        for (const auto& [id, record] : active_) visit(record);
    }

private:
    using QueueKey = std::tuple<std::int64_t, std::int64_t, std::string>;  // -priority, created ms, id
    static QueueKey key_of(const OperationRecord& record);

    OperationRepository& store_;
    const Clock& clock_;
    std::unordered_map<std::string, OperationRecord> active_;
    void write_changed();

    std::unordered_set<std::string> unsaved_;  // created, not inserted yet
    std::unordered_set<std::string> changed_;  // saved since the last group commit
    std::unordered_set<std::string> queued_on_file_;  // written queued at the last commit that wrote them
    // Terminal, out of active_, not written yet: the record its OperationEnded event carries.
    std::unordered_map<std::string, std::shared_ptr<const OperationRecord>> ended_;
    std::map<std::string, std::set<QueueKey>> queues_;
    EventBus& events_;
};

}  // namespace fleet::backend
