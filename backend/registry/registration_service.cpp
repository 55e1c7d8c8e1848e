#include "backend/registry/registration_service.hpp"

#include "backend/dispatch/dispatcher.hpp"
#include "backend/health/worker_watch.hpp"
#include "backend/operations/operation_book.hpp"
#include "backend/operations/operation_lifecycle.hpp"
#include "backend/registry/worker_lifecycle.hpp"
#include "common/log.hpp"

#include <algorithm>

namespace fleet::backend {

RegistrationService::RegistrationService(Registry& registry, OperationBook& operations, Dispatcher& dispatcher,
                                         WorkerWatch& watch, const Clock& clock)
    : registry_(registry), operations_(operations), dispatcher_(dispatcher), watch_(watch), clock_(clock) {}

std::optional<Registered> RegistrationService::register_worker(const Registration& registration) {
    if (shutting_down_) return std::nullopt;
    auto upserted = registry_.upsert(registration);
    WorkerRecord& worker = *upserted.worker;
    const std::string worker_id = worker.worker_id;

    if (upserted.replaced) {
        watch_.unwatch(upserted.replaced->worker_id);
        for (const auto& id : upserted.replaced->operations)
            if (OperationRecord* operation = operations_.find_active(id))
                dispatcher_.lose_operation(*operation, "worker " + upserted.replaced->worker_id + " was replaced at its endpoint");
    }

    // Operations it finished while the backend did not hear. A completed one
    // named without its result stays held by the worker until its notice
    // brings the result (or a refresh fetches it).
    for (const auto& item : registration.completed_operations) {
        const auto& view = item.as_object();
        OperationRecord* operation = reported_by(view, worker_id);
        if (!operation) continue;
        if (result_follows(view)) {
            hold_for_result(*operation, worker);
            continue;
        }
        lifecycle::logged(*operation, "worker report", lifecycle::apply_worker_view(*operation, view, clock_.now()));
        if (is_terminal(operation->status)) dispatcher_.finish(*operation);
    }

    Registered registered{worker_id, worker.instance_id};
    const auto& current = registration.current_operation_ids;
    for (const auto& id : current) {
        OperationRecord* operation = operations_.find_active(id);
        // Queued here while the worker runs it: the last run of the backend sent it before its claim
        // was written (a queued operation is no other worker's). It stays where it runs.
        if (operation && operation->status == OperationStatus::Queued) dispatcher_.adopt(*operation, worker);
        if (operation && operation->worker_id == worker_id) {
            if (std::find(worker.operations.begin(), worker.operations.end(), id) == worker.operations.end())
                worker.operations.push_back(id);
            operation->worker_instance_id = worker.instance_id;
            operations_.save(*operation);
        } else {
            registered.stop_operations.push_back(id);  // ended, or given to another worker meanwhile
        }
    }
    if (!current.empty()) worker_lifecycle::reported(worker, WorkerStatus::Busy);
    // What the backend thought it held and it no longer reports: it restarted without it, or its
    // registration was written before the start or the end reached it.
    std::vector<std::string> held_unreported;
    for (const auto& id : upserted.previous_operations) {
        if (std::find(worker.operations.begin(), worker.operations.end(), id) != worker.operations.end()) continue;
        OperationRecord* operation = operations_.find_active(id);
        if (!operation || operation->worker_id != worker_id) continue;
        // Not lost yet: a worker that was stopped (SIGSTOP, a stalled VM) registers again as it wakes, with a
        // body written before it reads a start waiting in its socket or before its work ends. It keeps the
        // operation; a start not answered yet is settled by its answer, one it answered by asking it.
        worker.operations.push_back(id);
        operation->worker_instance_id = worker.instance_id;
        operations_.save(*operation);
        if (operation->status != OperationStatus::Pending)
            held_unreported.push_back(id);
    }
    registry_.save(worker);
    registry_.announce(worker);
    watch_.watch(worker_id, worker.endpoint_url);
    log::info("worker ", worker_id, " registered (", worker.worker_type, " at ", worker.endpoint_url, ")",
              log::field("worker_id", worker_id), log::field("domain", worker.domain));

    registered.status = worker.status;
    for (const auto& id : held_unreported)
        dispatcher_.confirm_held(id, worker_id, "worker " + worker_id + " restarted without it");
    dispatcher_.pump(worker.domain);
    return registered;
}

bool RegistrationService::deregister(const std::string& worker_id, const boost::json::array& completed) {
    auto removed = registry_.remove(worker_id);
    if (!removed) return false;
    watch_.unwatch(worker_id);
    // What it says ended and the backend missed: a completed one stays
    // completed, with its result if it came, else saying it could not be had.
    for (const auto& item : completed) {
        const auto& view = item.as_object();
        OperationRecord* operation = reported_by(view, worker_id);
        if (!operation) continue;
        const auto move = lifecycle::logged(*operation, "worker report",
                                            lifecycle::apply_worker_view(*operation, view, clock_.now()));
        if (move.refused() || !is_terminal(operation->status)) continue;
        if (result_follows(view))
            operation->error_message = "completed on worker " + worker_id +
                                       ", which left before the backend could retrieve the result";
        dispatcher_.finish(*operation);
    }
    // A goodbye comes after the worker's drain and its last completion notices,
    // so a start it has not answered yet was refused, not run: queue it again
    // as if it had never been tried. A running one was lost.
    for (const auto& id : removed->operations) {
        OperationRecord* operation = operations_.find_active(id);
        if (!operation) continue;
        if (operation->status == OperationStatus::Pending) {
            log::info("operation queued again (its worker left before starting it)", log::field("operation_id", id),
                      log::field("worker_id", worker_id));
            dispatcher_.requeue_unstarted(*operation);
        } else {
            dispatcher_.lose_operation(*operation, "worker " + worker_id + " left");
        }
    }
    log::info("worker ", worker_id, " deregistered", log::field("worker_id", worker_id));
    dispatcher_.pump(removed->domain);
    return true;
}

OperationRecord* RegistrationService::reported_by(const boost::json::object& view, const std::string& worker_id) {
    const std::string id(view.at("operation_id").as_string());
    OperationRecord* operation = operations_.find_active(id);
    // A requeued operation may still have been done by the worker that had it.
    if (!operation || (operation->worker_id != worker_id && operation->status != OperationStatus::Queued)) return nullptr;
    return operation;
}

bool RegistrationService::result_follows(const boost::json::object& view) {
    const auto* status = view.if_contains("status");
    return status && status->is_string() && status->get_string() == "completed" && !view.contains("result");
}

void RegistrationService::hold_for_result(OperationRecord& operation, WorkerRecord& worker) {
    const auto move = lifecycle::logged(operation, "await result", lifecycle::await_result(operation, worker));
    if (move.refused()) return;
    // Done after all, if it was requeued: it must not run again elsewhere.
    if (move.from == OperationStatus::Queued) operations_.dequeue(operation.operation_id);
    if (std::find(worker.operations.begin(), worker.operations.end(), operation.operation_id) == worker.operations.end())
        worker.operations.push_back(operation.operation_id);
    operations_.save(operation);
    log::info("operation ", operation.operation_id, " ended on worker ", worker.worker_id, "; its result follows");
}

ReportOutcome RegistrationService::report(const std::string& operation_id, boost::json::object view) {
    OperationRecord* operation = operations_.find_active(operation_id);
    if (!operation) {
        return operations_.find(operation_id) ? ReportOutcome::AlreadyFinal : ReportOutcome::NotFound;
    }
    // Fencing: a report from an instance other than the one that holds the operation is ignored.
    const auto* instance = view.if_contains("instance_id");
    if (instance && instance->is_string() && !operation->worker_instance_id.empty() &&
        instance->get_string() != operation->worker_instance_id)
        return ReportOutcome::IgnoredSuperseded;
    // A requeued operation only takes a final report (the work did get done).
    const auto move = dispatcher_.take_in_view(*operation, std::move(view), "worker report");
    if (move.refused())
        return move.from == OperationStatus::Queued ? ReportOutcome::IgnoredQueued : ReportOutcome::IgnoredIllegal;
    return ReportOutcome::Applied;
}

}  // namespace fleet::backend
