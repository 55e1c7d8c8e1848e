#include "backend/dispatch/dispatcher.hpp"

#include "backend/core/core_executor.hpp"
#include "backend/metrics.hpp"
#include "backend/operations/operation_book.hpp"
#include "backend/operations/operation_lifecycle.hpp"
#include "backend/registry/registry.hpp"
#include "backend/registry/worker_lifecycle.hpp"
#include "common/http/error.hpp"
#include "common/ids.hpp"
#include "common/json/parse.hpp"
#include "common/json/text.hpp"
#include "common/log.hpp"

#include <boost/json/parse.hpp>

#include <algorithm>
#include <stdexcept>

namespace fleet::backend {
namespace {

using http::HttpResponse;

// How far down a domain's queue one pump looks for work a free worker fits
// (operations with requirements no idle worker meets are passed over).
constexpr std::size_t kPumpWindow = 256;

// 96 random bits: a collision is not expected in the life of any fleet, and
// the insert refuses one anyway; a few draws cover a generator gone wrong.
constexpr std::size_t kOperationIdHex = 24;
constexpr int kIdDraws = 3;

// Made in time order: the store's index of ids grows at its end.
std::string new_operation_id(SystemTime now) { return time_ordered_id("op_", now, kOperationIdHex); }

std::string error_of(const http::ClientResponse& response) {
    boost::system::error_code ec;
    auto body = boost::json::parse(response.body, ec);
    if (!ec && body.is_object())
        if (const auto* error = body.as_object().if_contains("error"); error && error->is_string())
            return std::string(error->get_string());
    return "HTTP " + std::to_string(response.status);
}

// The operation's end carried by the answer to its start, if any. Most
// answers carry none, and are not parsed.
std::optional<boost::json::object> end_in_answer(const http::ClientResponse& response, const std::string& operation_id) {
    if (response.body.find("\"operation\"") == std::string::npos) return std::nullopt;
    boost::system::error_code ec;
    auto body = json::parse(response.body, ec);  // exact: the result's numbers go on as they came
    if (ec || !body.is_object()) return std::nullopt;
    auto* view = body.as_object().if_contains("operation");
    if (!view || !view->is_object()) return std::nullopt;
    const auto* id = view->as_object().if_contains("operation_id");
    if (!id || !id->is_string() || id->get_string() != operation_id) return std::nullopt;
    return std::move(view->as_object());
}

}  // namespace

Dispatcher::Dispatcher(Registry& registry, OperationBook& operations, WorkerClient& workers, CoreExecutor& core,
                       BackendMetrics& metrics, const Clock& clock, int max_worker_losses)
    : registry_(registry),
      operations_(operations),
      workers_(workers),
      core_(core),
      metrics_(metrics),
      clock_(clock),
      max_worker_losses_(max_worker_losses) {}

void Dispatcher::start(StartRequest request, std::function<void(StartResult)> done) {
    auto& registry = registry_;
    if (!registry.serves(request.domain)) return done({StartResult::Kind::NoWorkerServes});
    if (!registry.could_meet(request.domain, request.requirements)) return done({StartResult::Kind::Unmeetable});

    OperationRecord record;
    record.domain = request.domain;
    record.operation_type = registry.type_of(request.domain).value_or("");
    record.priority = request.priority;
    record.requirements = std::move(request.requirements);
    record.parameters = std::move(request.parameters);
    record.max_retries = request.max_retries;
    OperationRecord* drawn = nullptr;
    if (!request.operation_id.empty()) {
        // The caller's id (a workflow step's attempt): it names one operation only, ever.
        record.operation_id = request.operation_id;
        drawn = operations_.create(std::move(record));
        if (!drawn) return done({StartResult::Kind::Duplicate, request.operation_id});
    }
    for (int draw = 0; !drawn && draw < kIdDraws; ++draw) {
        record.operation_id = new_operation_id(clock_.now());
        drawn = operations_.create(std::move(record));  // moved from only when taken
    }
    // Three collisions of 96 random bits are not chance: a fault, answered 500 by the route.
    if (!drawn) throw std::runtime_error("could not draw an unused operation id");
    OperationRecord& created = *drawn;
    const std::string id = created.operation_id;
    if (request.on_created) request.on_created(created);
    // Older work of the domain that is waiting goes first: join the queue behind it.
    if (operations_.has_queued(request.domain)) {
        operations_.enqueue(created);
        pump(request.domain);
        return done({StartResult::Kind::Queued, id});
    }

    dispatch(id, {}, std::chrono::steady_clock::now(), [id, done = std::move(done)](Dispatched result) {
        switch (result.outcome) {
            case Outcome::Started: return done({StartResult::Kind::Started, id, result.worker_id});
            case Outcome::Pending: return done({StartResult::Kind::Pending, id, result.worker_id});
            case Outcome::Rejected:
                return done({StartResult::Kind::Rejected, id, result.worker_id, result.refusal_status,
                             std::move(result.refusal_body)});
            case Outcome::Queued:
            case Outcome::Gone: return done({StartResult::Kind::Queued, id});
        }
    });
}

void Dispatcher::dispatch(const std::string& operation_id, std::set<std::string> tried, Began began,
                          std::function<void(Dispatched)> done) {
    auto& operations = operations_;
    OperationRecord* operation = operations.find_active(operation_id);
    if (!operation || (operation->status != OperationStatus::Queued)) {
        done({Outcome::Gone, {}});
        return;
    }
    const auto candidates = registry_.idle_candidates(operation->domain, operation->requirements, tried);
    if (candidates.empty()) {
        operations.enqueue(*operation);
        done({Outcome::Queued, {}});
        return;
    }

    // The claim. Only the operation is written: which operations a worker
    // holds is rebuilt from the operations after a restart (restore_assignments).
    WorkerRecord& worker = *candidates.front();
    const bool queued_on_file = operations.queued_on_file(operation_id);  // asked before the claim is written
    if (!claim(*operation, worker)) {
        done({Outcome::Gone, {}});
        return;
    }

    // A worker that has nothing else to do gets the start at once when the operation's row on file
    // says queued: a backend killed before the claim's commit restarts with it queued, and holds the
    // queue until the workers said what they hold (RestartHold), so it is not given to a second
    // worker. Otherwise the start leaves once the claim is committed: a new operation never runs
    // before it is stored, one on file as another worker's is never on two, and a busy worker's
    // starts go out together.
    if (worker.operations.size() == 1 && queued_on_file) {
        send_start(operation_id, worker.worker_id, std::move(tried), began, std::move(done));
        return;
    }
    core_.post_after_commit([this, operation_id, worker_id = worker.worker_id, tried = std::move(tried), began,
                                    done = std::move(done)]() mutable {
        send_start(operation_id, worker_id, std::move(tried), began, std::move(done));
    });
}

bool Dispatcher::claim(OperationRecord& operation, WorkerRecord& worker) {
    if (lifecycle::logged(operation, "claim", lifecycle::claim(operation, worker)).refused()) return false;
    operations_.dequeue(operation.operation_id);
    worker_lifecycle::claimed(worker, operation.operation_id, clock_.now());
    registry_.announce(worker);
    operations_.save(operation);
    return true;
}

void Dispatcher::adopt(OperationRecord& operation, WorkerRecord& worker) {
    if (operation.status != OperationStatus::Queued || !claim(operation, worker)) return;
    log::info("operation found on worker ", worker.worker_id, ", which the last run of the backend had sent it to ",
              "before the claim was written: claimed to it again", log::field("operation_id", operation.operation_id),
              log::field("worker_id", worker.worker_id));
    // Its start again, once the claim is written: the worker answers with what it has, or its end.
    core_.post_after_commit([this, operation_id = operation.operation_id, worker_id = worker.worker_id] {
        send_again(operation_id, worker_id);
    });
}

void Dispatcher::release_queue() {
    holding_ = false;
    pump_all();
}

void Dispatcher::send_start(const std::string& operation_id, const std::string& worker_id, std::set<std::string> tried,
                            Began began, std::function<void(Dispatched)> done) {
    const OperationRecord* claimed = operations_.find_active(operation_id);
    const WorkerRecord* worker = registry_.find(worker_id);
    if (!claimed || !worker || claimed->worker_id != worker_id || claimed->status != OperationStatus::Pending) {
        done({Outcome::Gone, worker_id});  // cancelled or resolved before it left
        return;
    }
    boost::json::object body = claimed->parameters;
    body["task_id"] = operation_id;
    workers_.start(worker->endpoint_url, claimed->domain, json::to_text(body),
                           [this, operation_id, worker_id, tried = std::move(tried), began,
                            done = std::move(done)](http::ClientResponse response) mutable {
                               on_worker_answer(operation_id, worker_id, std::move(tried), began, std::move(done),
                                                response);
                           });
}

void Dispatcher::resend_unanswered_starts() {
    std::vector<std::pair<std::string, std::string>> unanswered;  // operation, worker
    operations_.for_each_active([&](const OperationRecord& operation) {
        if (operation.status == OperationStatus::Pending && registry_.find(operation.worker_id))
            unanswered.emplace_back(operation.operation_id, operation.worker_id);
    });
    if (!unanswered.empty())
        log::info("sending the start of ", unanswered.size(), " claimed operation(s) again: the last run of the backend ",
                  "may have stopped before they left (a worker that has one already answers with it)");
    for (const auto& [operation_id, worker_id] : unanswered) send_again(operation_id, worker_id);
}

void Dispatcher::send_again(const std::string& operation_id, const std::string& worker_id) {
    send_start(operation_id, worker_id, {}, std::chrono::steady_clock::now(), [](Dispatched) {});
}

void Dispatcher::on_worker_answer(const std::string& operation_id, const std::string& worker_id,
                                  std::set<std::string> tried, Began began, std::function<void(Dispatched)> done,
                                  const http::ClientResponse& response) {
    auto& operations = operations_;
    OperationRecord* operation = operations.find_active(operation_id);
    const bool accepted = response.ok() && response.status == 200;
    if (!operation || operation->worker_id != worker_id) {
        // Its completion notice can overtake the answer to the start: then it ran there.
        const auto finished = operation ? std::nullopt : operations.find(operation_id);
        if (accepted && finished && finished->worker_id == worker_id) {
            metrics_.dispatched(std::chrono::steady_clock::now() - began);
            accepted_by(*finished, worker_id);
            return done({Outcome::Started, worker_id});
        }
        done({Outcome::Gone, worker_id});  // cancelled or resolved while the request was out
        return;
    }
    if (accepted) {
        const auto now = clock_.now();
        const auto move = lifecycle::logged(*operation, "started", lifecycle::started(*operation, now));
        metrics_.dispatched(std::chrono::steady_clock::now() - began);
        accepted_by(*operation, worker_id);
        // Work that ended before the worker answered comes back with its end,
        // which it sends in place of a completion notice.
        auto ended = end_in_answer(response, operation_id);
        const bool taken = ended && !take_in_view(*operation, std::move(*ended), "start answer").refused();
        if (!taken && move.outcome == lifecycle::Outcome::Applied) operations.save(*operation);
        done({Outcome::Started, worker_id});
        return;
    }
    if (!response.ok() && (response.error == http::ClientError::Timeout || response.error == http::ClientError::TooLarge ||
                           response.error == http::ClientError::Truncated)) {
        // It may have started there: keep the claim; health checks and refreshes settle it.
        log::warn("operation ", operation_id, ": worker ", worker_id, " gave no readable answer to the start (",
                  http::to_string(response.error), ": ", response.error_message, "); it may run there");
        done({Outcome::Pending, worker_id});
        return;
    }
    // Only a refusal of the request itself fails the operation; a 401 or 404
    // says this worker is misconfigured, so the next one is tried.
    const bool refused_parameters =
        response.ok() && (response.status == 400 || response.status == 413 || response.status == 422);
    if (refused_parameters) {
        release(*operation);
        lifecycle::logged(*operation, "fail", lifecycle::fail(*operation, error_of(response), clock_.now()));
        operations.save(*operation);
        done({Outcome::Rejected, worker_id, response.status, response.body});
        return;
    }

    // Not taken (503, a 5xx, or nobody there): undo the claim and try the next worker.
    undo_claim(*operation);
    operations.save(*operation);
    tried.insert(worker_id);
    if (WorkerRecord* worker = registry_.find(worker_id)) {
        if (!response.ok() && (response.error == http::ClientError::Refused || response.error == http::ClientError::Closed)) {
            worker_lost(worker_id, std::string(http::to_string(response.error)) + ": " + response.error_message);
        } else if (response.ok() && response.status != 503) {
            log::warn("worker ", worker_id, " refused operation ", operation_id, " (", error_of(response),
                      "); trying the next worker");
        } else if (response.ok() && response.status == 503) {
            const bool draining = response.body.find("\"draining\"") != std::string::npos;
            worker_lifecycle::reported(*worker, draining ? WorkerStatus::Draining : WorkerStatus::Busy);
            registry_.save(*worker);
            registry_.announce(*worker);
        }
    }
    dispatch(operation_id, std::move(tried), began, std::move(done));
}

void Dispatcher::accepted_by(const OperationRecord& operation, const std::string& worker_id) {
    const auto waited = clock_.now() - operation.created_at;
    metrics_.domains().dispatched(operation.domain, waited);
    log::info("operation dispatched", log::field("operation_id", operation.operation_id),
              log::field("domain", operation.domain), log::field("worker_id", worker_id),
              log::field("attempt", operation.attempts),
              log::field("queue_wait_ms", std::chrono::duration_cast<std::chrono::milliseconds>(waited).count()));
}

void Dispatcher::release(const OperationRecord& operation) {
    if (WorkerRecord* worker = registry_.find(operation.worker_id)) {
        worker_lifecycle::released(*worker, operation.operation_id);
        registry_.announce(*worker);
    }
}

void Dispatcher::undo_claim(OperationRecord& operation) {
    release(operation);
    lifecycle::logged(operation, "undo_claim", lifecycle::undo_claim(operation));
}

void Dispatcher::requeue_unstarted(OperationRecord& operation) {
    undo_claim(operation);
    operations_.enqueue(operation);
}

void Dispatcher::pump(const std::string& domain) {
    if (shutting_down_ || holding_) return;
    auto& registry = registry_;
    const auto fits = [&](const OperationRecord& operation) {
        return operation.requirements.empty() || !registry.idle_candidates(domain, operation.requirements, {}).empty();
    };
    // The head of the queue in order, while some worker of the domain is idle;
    // operations no idle worker fits are passed over. Each turn dispatches one
    // operation or stops, so the walk ends.
    for (std::size_t turn = 0; turn < kPumpWindow && registry.has_idle(domain); ++turn) {
        const auto next = operations_.first_queued(domain, kPumpWindow, fits);
        if (!next) return;
        dispatch(*next, {}, std::chrono::steady_clock::now(), [](Dispatched) {});
        if (const auto* left = operations_.find_active(*next); left && left->status == OperationStatus::Queued)
            return;  // not taken after all: the next pump tries again
    }
}

void Dispatcher::restore_assignments() {
    for (auto* worker : registry_.all()) worker->operations.clear();
    operations_.for_each_active([&](const OperationRecord& operation) {
        const bool on_a_worker = operation.status == OperationStatus::Pending || operation.status == OperationStatus::Running;
        if (!on_a_worker) return;
        if (WorkerRecord* worker = registry_.find(operation.worker_id)) worker->operations.push_back(operation.operation_id);
    });
}

void Dispatcher::pump_all() {
    for (const auto& domain : operations_.domains_with_queue()) pump(domain);
}

void Dispatcher::worker_lost(const std::string& worker_id, const std::string& why) {
    WorkerRecord* worker = registry_.find(worker_id);
    if (!worker) return;
    worker_lifecycle::lost(*worker, clock_.now());
    const auto held = std::move(worker->operations);
    worker->operations.clear();
    const std::string domain = worker->domain;
    registry_.save(*worker);
    registry_.announce(*worker);
    log::warn("worker ", worker_id, " lost (", why, "); resolving ", held.size(), " operation(s)",
              log::field("worker_id", worker_id));
    for (const auto& id : held)
        if (OperationRecord* operation = operations_.find_active(id))
            lose_operation(*operation, "worker " + worker_id + " was lost: " + why);
    pump(domain);
}

void Dispatcher::lose_operation(OperationRecord& operation, const std::string& why) {
    release(operation);  // requeueing clears the worker; a failure keeps it
    ++operation.worker_losses;
    if (operation.attempts <= operation.max_retries && operation.worker_losses < max_worker_losses_) {
        log::info("operation queued again (", why, ")", log::field("operation_id", operation.operation_id),
                  log::field("domain", operation.domain));
        operations_.enqueue(operation);
        return;
    }
    std::string error = operation.worker_losses >= max_worker_losses_
                            ? "failed for good: " + std::to_string(operation.worker_losses) +
                                  " workers were lost running it (last: " + why + ")"
                            : why;
    lifecycle::logged(operation, "fail", lifecycle::fail(operation, std::move(error), clock_.now()));
    operations_.save(operation);
}

void Dispatcher::confirm_held(const std::string& operation_id, const std::string& worker_id, std::string why) {
    const WorkerRecord* worker = registry_.find(worker_id);
    if (!worker) return;
    workers_.get(worker->endpoint_url, operation_id,
                 [this, operation_id, worker_id, why = std::move(why)](http::ClientResponse response) {
                     OperationRecord* live = operations_.find_active(operation_id);
                     if (!live || live->worker_id != worker_id) return;  // settled meanwhile (a notice came first)
                     if (response.ok() && response.status == 404) return lose_operation(*live, why);
                     if (!response.ok() || response.status != 200) return;
                     boost::system::error_code ec;
                     if (auto data = answer_data(response.body, ec))
                         take_in_view(*live, std::move(*data), "worker report");
                 });
}

lifecycle::Move Dispatcher::take_in_view(OperationRecord& operation, boost::json::object view,
                                         std::string_view event) {
    const auto now = clock_.now();
    const bool progressed = lifecycle::carries_progress(view);  // asked before the view gives its progress up
    const auto move = lifecycle::logged(operation, event, lifecycle::apply_worker_view(operation, std::move(view), now));
    if (move.refused()) return move;
    // The worker knows it and answered readably.
    operation.refreshed_at = now;
    operation.unknown_since.reset();
    operation.unreadable_answers = 0;
    // An end says the last word on progress: its status event carries it (no progress event follows an end).
    if (progressed && !is_terminal(operation.status)) operations_.progressed(operation);
    if (is_terminal(operation.status)) finish(operation);
    else operations_.save(operation);
    return move;
}

void Dispatcher::finish(OperationRecord& operation) {
    const std::string domain = operation.domain;
    release(operation);  // a finished operation keeps who ran it
    operations_.save(operation);  // terminal: leaves memory
    pump(domain);
}

}  // namespace fleet::backend
