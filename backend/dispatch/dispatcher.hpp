#pragma once

#include "backend/dispatch/start_request.hpp"
#include "backend/dispatch/start_result.hpp"
#include "backend/dispatch/worker_client.hpp"
#include "backend/operations/operation_lifecycle.hpp"
#include "backend/operations/operation_record.hpp"
#include "common/clock.hpp"

#include <boost/json/object.hpp>

#include <chrono>
#include <functional>
#include <set>
#include <string>
#include <string_view>

namespace fleet::backend {

class BackendMetrics;
class CoreExecutor;
class OperationBook;
class Registry;

// Dispatch, the queue and lost workers. Everything runs on the core thread,
// so checking a worker's capacity and claiming it is one step. A start's
// `done` receives a plain StartResult.
class Dispatcher {
public:
    // An operation whose worker died `max_worker_losses` times fails for good.
    Dispatcher(Registry& registry, OperationBook& operations, WorkerClient& workers, CoreExecutor& core,
               BackendMetrics& metrics, const Clock& clock, int max_worker_losses);

    void start(StartRequest request, std::function<void(StartResult)> done);

    // Sends queued operations of `domain` to idle workers that fit them (not while the queue is held).
    void pump(const std::string& domain);
    void pump_all();
    // After a restart the queue is held until the workers said what they hold (RestartHold):
    // a start taken from the queue may have left before its claim was committed.
    void hold_queue() { holding_ = true; }
    void release_queue();
    // A queued operation a worker says it has (the last run sent it before the claim was written):
    // claimed to that worker again, and its start sent again once that is committed (the worker
    // answers with what it has, or its end, and runs nothing twice).
    void adopt(OperationRecord& operation, WorkerRecord& worker);
    // After loading from the store: each worker holds the unfinished operations that name it.
    void restore_assignments();
    // At start, after restore_assignments: a claimed (pending) operation's start
    // may never have left before the last run stopped. It is sent again; the
    // task_id makes that safe (a worker that has it answers with it).
    void resend_unanswered_starts();
    // The worker is gone or unreachable: it gets nothing, its work is resolved.
    void worker_lost(const std::string& worker_id, const std::string& why);
    // An operation whose worker was lost: dispatched again while retries are left, else failed.
    void lose_operation(OperationRecord& operation, const std::string& why);
    // A worker registered again without naming an operation the backend has running on it: asks the
    // worker. The process that ran it still knows it (its registration was written before it took the
    // start, or as the work ended): what it says is taken in. A new process answers 404: lost at once,
    // with `why`. No readable answer: left to the health checks (--unknown-grace).
    void confirm_held(const std::string& operation_id, const std::string& worker_id, std::string why);
    // The worker says the operation ended: release the worker, save, dispatch more.
    void finish(OperationRecord& operation);
    // Takes in what the worker says of the operation (a notice, a refresh, the
    // answer to its start): the lifecycle's move, logged as `event`; unless it
    // is refused, the operation was heard from now, its progress is published,
    // and it is saved, or finished when it ended (`operation` is gone then).
    lifecycle::Move take_in_view(OperationRecord& operation, boost::json::object view, std::string_view event);
    // Its worker left before answering the start: it was refused, not run; queued again as never tried.
    void requeue_unstarted(OperationRecord& operation);
    void set_shutting_down() { shutting_down_ = true; }

private:
    enum class Outcome { Started, Queued, Pending, Rejected, Gone };
    struct Dispatched {
        Outcome outcome;
        std::string worker_id;
        int refusal_status = 0;  // Rejected: the worker's answer
        std::string refusal_body;
    };
    using Began = std::chrono::steady_clock::time_point;

    void dispatch(const std::string& operation_id, std::set<std::string> tried, Began began,
                  std::function<void(Dispatched)> done);
    // Sends a claimed operation's start to its worker, unless it was resolved meanwhile.
    void send_start(const std::string& operation_id, const std::string& worker_id, std::set<std::string> tried,
                    Began began, std::function<void(Dispatched)> done);
    // The start of an operation claimed earlier, sent again (after a restart); nobody waits for its
    // outcome: the worker answers with what it has, or its end.
    void send_again(const std::string& operation_id, const std::string& worker_id);
    void on_worker_answer(const std::string& operation_id, const std::string& worker_id, std::set<std::string> tried,
                          Began began, std::function<void(Dispatched)> done, const http::ClientResponse& response);
    // A worker accepted the operation's start: counted and logged (its dispatch).
    void accepted_by(const OperationRecord& operation, const std::string& worker_id);
    // Frees the operation's slot on its worker (the operation still names it).
    void release(const OperationRecord& operation);
    // A start the worker did not take: as if it had never been tried (queued, attempt not counted).
    void undo_claim(OperationRecord& operation);
    // The claim of a queued operation by `worker`, saved; false when the lifecycle refuses it.
    bool claim(OperationRecord& operation, WorkerRecord& worker);

    Registry& registry_;
    OperationBook& operations_;
    WorkerClient& workers_;
    CoreExecutor& core_;
    BackendMetrics& metrics_;
    const Clock& clock_;
    const int max_worker_losses_;
    bool shutting_down_ = false;
    bool holding_ = false;
};

}  // namespace fleet::backend
