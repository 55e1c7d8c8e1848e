#pragma once

#include "backend/registry/worker_status.hpp"
#include "common/clock.hpp"

#include <boost/json/object.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace fleet::backend {

// One registered worker, as stored and as the registry reasons about it.
struct WorkerRecord {
    std::string worker_id;
    std::string worker_type;
    std::string domain;
    std::string endpoint_url;
    boost::json::object capabilities;
    std::size_t max_concurrent = 1;
    std::string version;
    std::string instance_id;  // fresh per registration; reports from older instances are ignored
    WorkerStatus status = WorkerStatus::Available;  // decided by worker_lifecycle only
    // What the worker last said of itself (Available for idle, Busy, Draining); not stored.
    WorkerStatus reported = WorkerStatus::Available;
    // The backend told it to drain and it agreed: DRAINING until it registers again,
    // whatever an older answer of it says (not stored: its /health says draining too).
    bool drain_requested = false;
    std::vector<std::string> operations;  // non-terminal operations the backend gave it
    std::optional<SystemTime> last_health_check;
    int health_check_failures = 0;
    SystemTime registered_at{};
    std::optional<SystemTime> unavailable_since;
    SystemTime last_dispatched_at{};  // least recently used goes first
    // The status last published as WorkerStatusChanged (not stored): Registry::announce.
    std::optional<WorkerStatus> announced;
};

}  // namespace fleet::backend
