#pragma once

#include "common/clock.hpp"
#include "common/operation_status.hpp"

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <optional>
#include <string>

namespace fleet::backend {

// The backend's durable record of one operation.
struct OperationRecord {
    std::string operation_id;
    std::string domain;
    std::string operation_type;  // the worker type that serves the domain
    OperationStatus status = OperationStatus::Queued;
    std::int64_t priority = 0;
    boost::json::object requirements;
    boost::json::object parameters;  // what is forwarded to the worker (without task_id)
    int max_retries = 0;
    int attempts = 0;       // dispatches so far
    int worker_losses = 0;  // workers that died holding it
    std::string worker_id;  // empty while queued
    std::string worker_instance_id;
    boost::json::object progress;
    boost::json::value result;  // null until completed
    std::string error_message;
    SystemTime created_at{};
    SystemTime updated_at{};
    std::optional<SystemTime> started_at;
    std::optional<SystemTime> completed_at;
    std::optional<SystemTime> refreshed_at;   // last time the worker's view was fetched
    std::optional<SystemTime> unknown_since;  // the worker said it does not know it
    int unreadable_answers = 0;  // worker answers about it the backend could not read (not stored)
    // The status at its last save (not stored): a save that changes it is an OperationStatusChanged.
    std::optional<OperationStatus> saved_status;
};

// An operation at a glance: what its events say of it, without its
// parameters or result (which may be megabytes, and which no listener of a
// status move or of progress needs).
struct OperationGlance {
    std::string operation_id;
    std::string domain;
    std::string worker_id;
    OperationStatus status = OperationStatus::Queued;
    boost::json::object progress;
    std::string error_message;

    static OperationGlance of(const OperationRecord& record) {
        return {record.operation_id, record.domain, record.worker_id, record.status, record.progress,
                record.error_message};
    }
};

}  // namespace fleet::backend
