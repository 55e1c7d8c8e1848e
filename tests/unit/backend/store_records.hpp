#pragma once

// Records for the store's tests: every field set to a value a lossy store
// would change, and field-by-field comparisons. Shared by the store's tests
// and the program that wrote tests/data/backend_v1.db.

#include "backend/operations/operation_record.hpp"
#include "backend/registry/worker_record.hpp"

#include <boost/json/parse.hpp>

#include <catch2/catch.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

namespace fleet::test {

using namespace std::chrono;
using fleet::OperationStatus;
using fleet::SystemTime;
using fleet::backend::OperationRecord;
using fleet::backend::WorkerRecord;
using fleet::backend::WorkerStatus;

inline const SystemTime kT0{milliseconds(1'800'000'000'123)};

inline SystemTime at(std::int64_t ms) { return kT0 + milliseconds(ms); }

// JSON that a lossy store would change: doubles Boost.JSON 1.81 misreads,
// the integer extremes, nesting, escapes and non-ASCII text.
inline boost::json::object tricky_json() {
    return boost::json::parse(R"({
        "cores": 8, "gpu": true, "memory_gb": 31.25, "none": null,
        "doubles": [0.1, -2.5422460108763038E5, 1.0442758598704387E-216, 3.141592653589793, 1e300, -0.0, 5.0],
        "ints": [-9223372036854775808, 9223372036854775807, 18446744073709551615],
        "nested": {"a": [1, {"b": "c"}], "empty": {}, "list": []},
        "text": "quote \" backslash \\ tab \t newline \n é 日本 \u0001"
    })").as_object();
}

inline WorkerRecord full_worker(std::string id = "backtest-host-5005") {
    WorkerRecord w;
    w.worker_id = std::move(id);
    w.worker_type = "backtest";
    w.domain = "backtests";
    w.endpoint_url = "http://10.0.0.7:5005";
    w.capabilities = tricky_json();
    w.max_concurrent = 3;
    w.version = "1.2.3";
    w.instance_id = "inst-7f3a";
    w.status = WorkerStatus::TemporarilyUnavailable;
    w.operations = {"op-1", "op-2"};
    w.last_health_check = at(1'000);
    w.health_check_failures = 2;
    w.registered_at = at(-5'000);
    w.unavailable_since = at(900);
    w.last_dispatched_at = at(500);
    return w;
}

inline OperationRecord full_operation(std::string id = "op-full") {
    OperationRecord op;
    op.operation_id = std::move(id);
    op.domain = "data-processing";
    op.operation_type = "data_processing";
    op.status = OperationStatus::Completed;
    op.priority = -7;
    op.requirements = {{"cores", 4}, {"gpu", true}};
    op.parameters = tricky_json();
    op.max_retries = 2;
    op.attempts = 3;
    op.worker_losses = 1;
    op.worker_id = "dp-host-5006";
    op.worker_instance_id = "inst-1";
    op.progress = {{"percentage", 100.0}, {"current_step", "done"}, {"estimated_remaining_seconds", 0}};
    op.result = tricky_json();
    op.error_message = "retried after: worker lost";
    op.created_at = at(0);
    op.updated_at = at(10'001);
    op.started_at = at(1);
    op.completed_at = at(10'000);
    op.refreshed_at = at(9'999);
    op.unknown_since = at(-1);
    return op;
}

inline void check_equal(const WorkerRecord& a, const WorkerRecord& b) {
    CHECK(a.worker_id == b.worker_id);
    CHECK(a.worker_type == b.worker_type);
    CHECK(a.domain == b.domain);
    CHECK(a.endpoint_url == b.endpoint_url);
    CHECK(a.capabilities == b.capabilities);
    CHECK(a.max_concurrent == b.max_concurrent);
    CHECK(a.version == b.version);
    CHECK(a.instance_id == b.instance_id);
    CHECK(a.status == b.status);
    CHECK(a.operations == b.operations);
    CHECK(a.last_health_check == b.last_health_check);
    CHECK(a.health_check_failures == b.health_check_failures);
    CHECK(a.registered_at == b.registered_at);
    CHECK(a.unavailable_since == b.unavailable_since);
    CHECK(a.last_dispatched_at == b.last_dispatched_at);
}

inline void check_equal(const OperationRecord& a, const OperationRecord& b) {
    CHECK(a.operation_id == b.operation_id);
    CHECK(a.domain == b.domain);
    CHECK(a.operation_type == b.operation_type);
    CHECK(a.status == b.status);
    CHECK(a.priority == b.priority);
    CHECK(a.requirements == b.requirements);
    CHECK(a.parameters == b.parameters);
    CHECK(a.max_retries == b.max_retries);
    CHECK(a.attempts == b.attempts);
    CHECK(a.worker_losses == b.worker_losses);
    CHECK(a.worker_id == b.worker_id);
    CHECK(a.worker_instance_id == b.worker_instance_id);
    CHECK(a.progress == b.progress);
    CHECK(a.result == b.result);
    CHECK(a.error_message == b.error_message);
    CHECK(a.created_at == b.created_at);
    CHECK(a.updated_at == b.updated_at);
    CHECK(a.started_at == b.started_at);
    CHECK(a.completed_at == b.completed_at);
    CHECK(a.refreshed_at == b.refreshed_at);
    CHECK(a.unknown_since == b.unknown_since);
}

inline OperationRecord operation(std::string id, std::string type, OperationStatus status, std::string worker,
                          std::int64_t created_ms) {
    OperationRecord op;
    op.operation_id = std::move(id);
    op.operation_type = type;
    op.domain = type;
    op.status = status;
    op.worker_id = std::move(worker);
    op.created_at = at(created_ms);
    op.updated_at = op.created_at;
    return op;
}

inline std::vector<std::string> ids(const std::vector<OperationRecord>& operations) {
    std::vector<std::string> out;
    for (const auto& op : operations) out.push_back(op.operation_id);
    return out;
}

// The rows in tests/data/backend_v1.db, written by the first release's store.
inline std::vector<WorkerRecord> v1_workers() {
    WorkerRecord sparse;
    sparse.worker_id = "echo-host-5001";
    sparse.worker_type = "echo";
    sparse.domain = "echo";
    sparse.endpoint_url = "http://127.0.0.1:5001";
    sparse.instance_id = "inst-echo";
    sparse.registered_at = at(-9'000);
    return {full_worker(), sparse};
}

inline std::vector<OperationRecord> v1_operations() {
    auto failed = operation("op_failed", "echo", OperationStatus::Failed, "echo-host-5001", 20);
    failed.error_message = "worker echo-host-5001 was lost twice";
    failed.attempts = 2;
    failed.worker_losses = 2;
    failed.completed_at = at(30);
    auto cancelled = operation("op_cancelled", "echo", OperationStatus::Cancelled, "", 40);
    cancelled.completed_at = at(41);
    auto running = operation("op_running", "backtest", OperationStatus::Running, "backtest-host-5005", 50);
    running.started_at = at(51);
    running.progress = {{"percentage", 12.5}};
    auto queued = operation("op_queued", "echo", OperationStatus::Queued, "", 60);
    queued.priority = 5;
    queued.parameters = {{"message", "héllo"}};
    auto pending = operation("op_pending", "echo", OperationStatus::Pending, "echo-host-5001", 70);
    return {full_operation("op_completed"), failed, cancelled, running, queued, pending};
}

// A database file under the temp directory, removed with its WAL files.
struct TempDb {
    std::filesystem::path path;
    TempDb() {
        std::random_device random;
        path = std::filesystem::temp_directory_path() /
               ("fleet-store-test-" + std::to_string(random()) + std::to_string(random()) + ".db");
    }
    ~TempDb() {
        std::error_code ignored;
        for (const char* suffix : {"", "-wal", "-shm", "-journal"})
            std::filesystem::remove(path.string() + suffix, ignored);
    }
};

}  // namespace fleet::test
