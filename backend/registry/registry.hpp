#pragma once

#include "backend/registry/worker_record.hpp"
#include "common/clock.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <map>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

namespace fleet::backend {

class EventBus;
class WorkerRepository;

// What a worker says when it registers (the request, validated).
struct Registration {
    std::string worker_id;
    std::string worker_type;
    std::string domain;
    std::string endpoint_url;
    boost::json::object capabilities;
    std::size_t max_concurrent = 1;
    std::string version;
    std::vector<std::string> current_operation_ids;  // current_operation_id and current_operation_ids, merged
    boost::json::array completed_operations;
};

struct WorkerFilter {
    std::optional<std::string> worker_type;
    std::optional<WorkerStatus> status;
};

// The registry of workers: in memory for the core thread, every change
// written through to the store. A change of a worker's status is published
// on `events` as WorkerStatusChanged (announce), its leaving as WorkerRemoved.
class Registry {
public:
    Registry(WorkerRepository& store, const Clock& clock, EventBus& events);

    void load();

    struct Upserted {
        WorkerRecord* worker;
        std::vector<std::string> previous_operations;  // what the backend thought it held
        std::optional<WorkerRecord> replaced;          // another id that was at the same endpoint
    };
    // Registers or updates (and saves); a fresh instance_id, failures cleared.
    Upserted upsert(const Registration& registration);
    std::optional<WorkerRecord> remove(const std::string& worker_id);

    WorkerRecord* find(const std::string& worker_id);
    std::vector<const WorkerRecord*> list(const WorkerFilter& filter) const;
    std::vector<WorkerRecord*> all();

    bool serves(const std::string& domain) const;
    // The worker type that serves `domain`, if any worker does.
    std::optional<std::string> type_of(const std::string& domain) const;
    bool could_meet(const std::string& domain, const boost::json::object& requirements) const;
    // Whether some worker of `domain` could take one more operation now.
    bool has_idle(const std::string& domain) const;
    // Workers that could take one more operation now, least recently used first.
    std::vector<WorkerRecord*> idle_candidates(const std::string& domain, const boost::json::object& requirements,
                                               const std::set<std::string>& exclude);

    void save(const WorkerRecord& worker);
    // Publishes the worker's status when it is not the one last published:
    // called after worker_lifecycle's events, which alone decide it.
    void announce(WorkerRecord& worker);
    void announce_removal(const WorkerRecord& worker);
    std::map<WorkerStatus, std::size_t> count_by_status() const;

private:
    WorkerRepository& store_;
    const Clock& clock_;
    EventBus& events_;
    std::unordered_map<std::string, WorkerRecord> workers_;
};

}  // namespace fleet::backend
