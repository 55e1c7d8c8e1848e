#pragma once

#include "backend/operations/operation_record.hpp"
#include "common/clock.hpp"
#include "common/run_status.hpp"

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <optional>
#include <string>

namespace fleet::backend {

// What a run adds to its operation, stored beside it (`admin_runs`); the
// run's id is its operation's id.
struct AdminRunRecord {
    std::string run_id;
    std::string bot;  // the worker type
    boost::json::object params;  // as the admin gave them
    bool strict = false;
    std::string idempotency_key;  // empty: none (or expired)
    std::string fingerprint;      // of the request (request_fingerprint)
    std::string warning;          // the overlap it started with, or empty
    std::string rerun_of;         // the run it repeats, or empty
    SystemTime created_at{};
};

// A run with its operation, as they stand.
struct AdminRun {
    AdminRunRecord record;
    OperationRecord operation;
};

// A run in the admin's words, worked out from its operation at `now`.
struct RunView {
    std::string run_id;
    std::string bot;
    RunStatus status = RunStatus::Pending;
    int progress = 0;  // 0-100; 100 only when finished
    std::string current_step;
    boost::json::value counters;  // the result; null until finished
    std::string error_message;
    boost::json::object params;
    std::string warning;
    std::string rerun_of;
    std::string worker_id;
    SystemTime created_at{};
    std::optional<SystemTime> started_at;
    std::optional<SystemTime> finished_at;
    std::optional<double> duration_seconds;
};

RunView view_of(const AdminRun& run, SystemTime now);

}  // namespace fleet::backend

namespace fleet::backend {

// GET /api/v1/admin/workers/runs: newest first.
struct RunQuery {
    std::optional<std::string> bot;
    std::optional<RunStatus> status;
    std::optional<SystemTime> since;  // created at or after
    std::size_t limit = 20;
    std::size_t offset = 0;
};

}  // namespace fleet::backend
