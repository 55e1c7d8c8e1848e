#pragma once

#include "common/clock.hpp"
#include "common/http/router.hpp"
#include "worker_base/operations_service.hpp"
#include "worker_base/result_limit.hpp"
#include "worker_base/worker_type.hpp"

#include <atomic>
#include <functional>
#include <optional>
#include <string>

namespace fleet::worker {

class RunLog;

struct StartResult {
    ClaimOutcome outcome;
    std::string operation_id;
    // Instant work has ended by the time the start is answered: its end, which
    // the answer carries in place of a completion notice.
    std::optional<OperationView> ended;
};

// The HTTP face every worker shares: /health, /<domain>/start,
// /api/v1/operations/*, /metrics, and the bearer-token guard. Handlers parse,
// call OperationsService, and serialize; engines run through `spawn`, off the
// I/O threads, except work that says it is instant, which runs where it starts.
class WorkerApiBase {
public:
    // Runs a task off the I/O threads (the worker's engine pool).
    using Spawn = std::function<void(std::function<void()>)>;

    // A result longer than `max_result_bytes` (as JSON) fails its operation.
    WorkerApiBase(const WorkerType& type, OperationsService& operations, Spawn spawn, std::string token,
                  std::size_t max_result_bytes = kDefaultMaxResultBytes, const Clock& clock = SystemClock::instance());

    void set_worker_id(std::string worker_id);
    const std::string& worker_id() const { return worker_id_; }
    // Called on every GET /health (the registrar's sign of life from the backend).
    void on_health_check(std::function<void()> listener);
    // Called on POST /api/v1/drain, after new work is refused: starts the same
    // graceful drain as SIGTERM (the process owns it).
    void on_drain_request(std::function<void()> listener);
    // Where each operation's start and end are recorded (--run-log); none when null.
    void set_run_log(RunLog* run_log) { run_log_ = run_log; }

    void add_routes(http::Router& router);

    // Claims a slot and, when it got one, runs the work in the background (instant work: at once).
    StartResult start(const std::optional<std::string>& task_id, PreparedWork work);

private:
    http::HttpResponse health(const http::HttpRequest& request) const;
    http::HttpResponse start_operation(const http::HttpRequest& request);
    http::HttpResponse list_operations(const http::HttpRequest& request) const;
    http::HttpResponse get_operation(const http::HttpRequest& request) const;
    http::HttpResponse get_metrics(const http::HttpRequest& request) const;
    http::HttpResponse cancel_operation(const http::HttpRequest& request);
    http::HttpResponse drain(const http::HttpRequest& request);
    http::HttpResponse prometheus(const http::HttpRequest& request) const;
    // The run between its run-log lines (when there is a run log). Both return
    // the operation as it ended (nothing if something else ended it first).
    std::optional<OperationView> execute(const std::string& id, const PreparedWork& work, ProgressBridge& progress,
                                         const CancellationToken& token);
    std::optional<OperationView> run(const std::string& id, const PreparedWork& work, ProgressBridge& progress,
                                     const CancellationToken& token);

    const WorkerType& type_;
    OperationsService& operations_;
    Spawn spawn_;
    std::string token_;
    const std::size_t max_result_bytes_;
    const Clock& clock_;
    std::string worker_id_;
    std::string health_prefix_;  // `{"healthy":true,...,"status":"operational"` without the closing brace
    std::function<void()> health_listener_;
    std::function<void()> drain_listener_;
    RunLog* run_log_ = nullptr;
    std::atomic<std::uint64_t> started_total_{0};
};

}  // namespace fleet::worker
