#pragma once

#include "backend/api/requests.hpp"
#include "backend/core_context.hpp"
#include "backend/dispatch/start_result.hpp"
#include "common/http/router.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <chrono>
#include <set>
#include <string>

namespace fleet::backend {

// Registration, dispatch, the queue, completion notices and lost workers.
// Everything runs on the core thread, so checking a worker's capacity and
// claiming it is one step. A start's `done` receives a plain StartResult;
// the worker callbacks' `done` still receives the HTTP answer.
class Dispatcher {
public:
    using Done = http::Reply;

    explicit Dispatcher(CoreContext& context);

    void start(StartRequest request, std::function<void(StartResult)> done);
    void register_worker(const Registration& registration, Done done);
    // The worker's goodbye; `completed` names what it finished and the backend missed.
    void deregister(const std::string& worker_id, const boost::json::array& completed, Done done);
    void operation_event(const std::string& operation_id, const boost::json::object& view, Done done);

    // Sends queued operations of `domain` to idle workers that fit them.
    void pump(const std::string& domain);
    void pump_all();
    // After loading from the store: each worker holds the unfinished operations that name it.
    void restore_assignments();
    // The worker is gone or unreachable: it gets nothing, its work is resolved.
    void worker_lost(const std::string& worker_id, const std::string& why);
    // An operation whose worker was lost: dispatched again while retries are left, else failed.
    void lose_operation(OperationRecord& operation, const std::string& why);
    // The worker says the operation ended: release the worker, save, dispatch more.
    void finish(OperationRecord& operation);
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
    void on_worker_answer(const std::string& operation_id, const std::string& worker_id, std::set<std::string> tried,
                          Began began, std::function<void(Dispatched)> done, const http::ClientResponse& response);
    // Frees the operation's slot on its worker (the operation still names it).
    void release(const OperationRecord& operation);
    // A start the worker did not take: as if it had never been tried (queued, attempt not counted).
    void undo_claim(OperationRecord& operation);
    // The active operation a worker's report of its end is about, if that worker may report it.
    OperationRecord* reported_by(const boost::json::object& view, const std::string& worker_id);
    // A report that the operation completed, without the result (it follows by notice).
    static bool result_follows(const boost::json::object& view);
    // Ended on `worker`, result still to come: the worker holds it until then.
    void hold_for_result(OperationRecord& operation, WorkerRecord& worker);

    CoreContext& context_;
    bool shutting_down_ = false;
};

}  // namespace fleet::backend
