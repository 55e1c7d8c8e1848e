#include "backend/registry/registry.hpp"

#include "backend/registry/worker_lifecycle.hpp"

#include "backend/core/event_bus.hpp"
#include "backend/dispatch/requirements.hpp"
#include "backend/storage/worker_repository.hpp"
#include "common/ids.hpp"

#include <algorithm>
#include <utility>

namespace fleet::backend {

Registry::Registry(WorkerRepository& store, const Clock& clock, EventBus& events)
    : store_(store), clock_(clock), events_(events) {}

void Registry::load() {
    workers_.clear();
    for (auto& worker : store_.load_all()) {
        worker.announced = worker.status;
        std::string id = worker.worker_id;
        workers_.emplace(std::move(id), std::move(worker));
    }
}

Registry::Upserted Registry::upsert(const Registration& registration) {
    const SystemTime now = clock_.now();
    Upserted out{};
    // A new id at an endpoint already on file: the process there was replaced.
    for (auto it = workers_.begin(); it != workers_.end(); ++it) {
        if (it->second.endpoint_url == registration.endpoint_url && it->first != registration.worker_id) {
            out.replaced = std::move(it->second);
            store_.remove(it->first);
            workers_.erase(it);
            announce_removal(*out.replaced);
            break;
        }
    }
    auto [it, inserted] = workers_.try_emplace(registration.worker_id);
    WorkerRecord& worker = it->second;
    if (inserted) worker.registered_at = now;
    out.previous_operations = std::move(worker.operations);
    worker.operations.clear();
    worker.worker_id = registration.worker_id;
    worker.worker_type = registration.worker_type;
    worker.domain = registration.domain;
    worker.endpoint_url = registration.endpoint_url;
    worker.capabilities = registration.capabilities;
    worker.max_concurrent = registration.max_concurrent;
    worker.version = registration.version;
    worker.instance_id = "i-" + random_hex(12);
    worker_lifecycle::registered(worker);
    worker.health_check_failures = 0;
    worker.last_health_check = now;
    store_.save(worker);
    out.worker = &worker;
    return out;
}

std::optional<WorkerRecord> Registry::remove(const std::string& worker_id) {
    auto it = workers_.find(worker_id);
    if (it == workers_.end()) return std::nullopt;
    WorkerRecord removed = std::move(it->second);
    workers_.erase(it);
    store_.remove(worker_id);
    announce_removal(removed);
    return removed;
}

WorkerRecord* Registry::find(const std::string& worker_id) {
    auto it = workers_.find(worker_id);
    return it == workers_.end() ? nullptr : &it->second;
}

std::vector<const WorkerRecord*> Registry::list(const WorkerFilter& filter) const {
    std::vector<const WorkerRecord*> out;
    for (const auto& [id, worker] : workers_) {
        if (filter.worker_type && worker.worker_type != *filter.worker_type) continue;
        if (filter.status && worker.status != *filter.status) continue;
        out.push_back(&worker);
    }
    std::sort(out.begin(), out.end(), [](const auto* a, const auto* b) { return a->worker_id < b->worker_id; });
    return out;
}

std::vector<WorkerRecord*> Registry::all() {
    std::vector<WorkerRecord*> out;
    out.reserve(workers_.size());
    for (auto& [id, worker] : workers_) out.push_back(&worker);
    return out;
}

bool Registry::serves(const std::string& domain) const { return type_of(domain).has_value(); }

std::optional<std::string> Registry::type_of(const std::string& domain) const {
    for (const auto& [id, worker] : workers_)
        if (worker.domain == domain) return worker.worker_type;
    return std::nullopt;
}

bool Registry::could_meet(const std::string& domain, const boost::json::object& requirements) const {
    return std::any_of(workers_.begin(), workers_.end(), [&](const auto& entry) {
        return entry.second.domain == domain && meets(entry.second.capabilities, requirements);
    });
}

namespace {
bool takes_more(const WorkerRecord& worker) {
    const bool usable = worker.status == WorkerStatus::Available || worker.status == WorkerStatus::Busy;
    return usable && worker.operations.size() < worker.max_concurrent;
}
}  // namespace

bool Registry::has_idle(const std::string& domain) const {
    return std::any_of(workers_.begin(), workers_.end(),
                       [&](const auto& entry) { return entry.second.domain == domain && takes_more(entry.second); });
}

std::vector<WorkerRecord*> Registry::idle_candidates(const std::string& domain, const boost::json::object& requirements,
                                                     const std::set<std::string>& exclude) {
    std::vector<WorkerRecord*> out;
    for (auto& [id, worker] : workers_) {
        if (worker.domain != domain || !takes_more(worker)) continue;
        if (exclude.contains(id) || !meets(worker.capabilities, requirements)) continue;
        out.push_back(&worker);
    }
    std::sort(out.begin(), out.end(), [](const WorkerRecord* a, const WorkerRecord* b) {
        return a->last_dispatched_at != b->last_dispatched_at ? a->last_dispatched_at < b->last_dispatched_at
                                                              : a->worker_id < b->worker_id;
    });
    return out;
}

void Registry::save(const WorkerRecord& worker) { store_.save(worker); }

std::map<WorkerStatus, std::size_t> Registry::count_by_status() const {
    std::map<WorkerStatus, std::size_t> counts;
    for (const auto& [id, worker] : workers_) ++counts[worker.status];
    return counts;
}

void Registry::announce_removal(const WorkerRecord& worker) {
    if (events_.wanted<WorkerRemoved>())
        events_.publish(WorkerRemoved{worker.worker_id, worker.worker_type, worker.endpoint_url, worker.status});
}

void Registry::announce(WorkerRecord& worker) {
    if (worker.status == worker.announced) return;
    const auto from = std::exchange(worker.announced, worker.status);
    if (events_.wanted<WorkerStatusChanged>())
        events_.publish(WorkerStatusChanged{worker.worker_id, from, worker.status, worker.worker_type, worker.endpoint_url});
}

}  // namespace fleet::backend
