#include "backend/operations/operation_proxy.hpp"

#include <memory>

#include "backend/core/core_timers.hpp"
#include "backend/dispatch/dispatcher.hpp"
#include "backend/metrics.hpp"
#include "backend/operations/operation_book.hpp"
#include "backend/operations/operation_lifecycle.hpp"
#include "backend/registry/registry.hpp"
#include "backend/storage/operation_repository.hpp"
#include "common/json/parse.hpp"
#include "common/log.hpp"

namespace fleet::backend {
namespace {

// An answer about an operation that cannot be read is asked for again this
// often, then the operation fails: the same answer will not read better.
constexpr int kMaxUnreadableAnswers = 3;
constexpr std::chrono::milliseconds kUnreadableRetry{1'000};

OperationLookup found(std::optional<OperationRecord> operation) {
    if (!operation) return {OperationLookup::Kind::NotFound, {}};
    return {OperationLookup::Kind::Found, std::move(*operation)};
}

WorkerAnswer answer_of(const http::ClientResponse& response) { return {response.status, response.body}; }

}  // namespace

OperationProxy::OperationProxy(OperationBook& operations, OperationRepository& repository, Registry& registry,
                               WorkerClient& workers, Dispatcher& dispatcher, CoreExecutor& core, CoreTimers& timers,
                               ReaderThread& reader, BackendMetrics& metrics, const Clock& clock, Settings settings)
    : operations_(operations),
      repository_(repository),
      registry_(registry),
      workers_(workers),
      dispatcher_(dispatcher),
      core_(core),
      timers_(timers),
      reader_(reader),
      metrics_(metrics),
      clock_(clock),
      settings_(settings) {}

void OperationProxy::get(const std::string& operation_id, bool force_refresh, Done<OperationLookup> done) {
    const OperationRecord* operation = operations_.find_active(operation_id);
    if (!operation) {
        // Finished or never known: the stored row answers, read off the core thread.
        return read<std::optional<OperationRecord>>(
            [operation_id](OperationReader& reader) { return reader.find(operation_id); },
            [done = std::move(done)](std::optional<std::optional<OperationRecord>> stored) {
                if (!stored) return done({OperationLookup::Kind::ReadFailed, {}});
                done(found(std::move(*stored)));
            });
    }
    const auto now = clock_.now();
    const bool fresh = operation->refreshed_at && now - *operation->refreshed_at < settings_.cache_ttl;
    const bool on_a_worker = operation->status == OperationStatus::Pending || operation->status == OperationStatus::Running;
    if (!on_a_worker || (fresh && !force_refresh)) return done(found(*operation));
    refresh(operation_id, [this, operation_id, done = std::move(done)] { done(found(operations_.find(operation_id))); });
}

void OperationProxy::refresh(const std::string& operation_id, std::function<void()> then) {
    if (auto under_way = refreshing_.find(operation_id); under_way != refreshing_.end()) {
        metrics_.refresh_joined();
        if (then) under_way->second.push_back(std::move(then));
        return;
    }
    const OperationRecord* operation = operations_.find_active(operation_id);
    const WorkerRecord* worker = operation ? registry_.find(operation->worker_id) : nullptr;
    if (!operation || !worker) {
        if (then) then();
        return;
    }
    auto& waiting = refreshing_[operation_id];
    if (then) waiting.push_back(std::move(then));
    metrics_.refresh_sent();
    const std::string worker_id = worker->worker_id;
    workers_.get(worker->endpoint_url, operation_id, [this, operation_id, worker_id](http::ClientResponse response) {
                             take_in(operation_id, worker_id, response);
                             auto done = refreshing_.extract(operation_id);
                             if (!done.empty())
                                 for (auto& waiter : done.mapped()) waiter();
                         });
}

void OperationProxy::refresh_stale(const std::vector<std::string>& operation_ids, std::function<void()> then) {
    std::vector<std::string> stale;
    for (const auto& id : operation_ids) {
        const OperationRecord* operation = operations_.find_active(id);
        const bool on_a_worker = operation && (operation->status == OperationStatus::Pending ||
                                               operation->status == OperationStatus::Running);
        const bool fresh = operation && operation->refreshed_at &&
                           clock_.now() - *operation->refreshed_at < settings_.cache_ttl;
        if (on_a_worker && !fresh) stale.push_back(id);
    }
    if (stale.empty()) return then();
    auto waiting = std::make_shared<std::size_t>(stale.size());
    auto all_done = std::make_shared<std::function<void()>>(std::move(then));
    for (const auto& id : stale) {
        refresh(id, [waiting, all_done] {
            if (--*waiting == 0) (*all_done)();
        });
    }
}

void OperationProxy::take_in(const std::string& operation_id, const std::string& worker_id,
                             const http::ClientResponse& response) {
    OperationRecord* live = operations_.find_active(operation_id);
    if (!live || live->worker_id != worker_id) return;
    if (!response.ok()) {
        // The worker answered, but not so that it can be read: too long, or cut off.
        if (response.error == http::ClientError::TooLarge || response.error == http::ClientError::Truncated)
            unreadable(*live, response.error_message);
        return;
    }
    const auto now = clock_.now();
    if (response.status == 200) {
        boost::system::error_code ec;
        if (auto data = answer_data(response.body, ec))
            dispatcher_.take_in_view(*live, std::move(*data), "worker report");
        else
            unreadable(*live, ec ? "the answer is not JSON (" + ec.message() + ")"
                                 : "the answer has no operation in 'data'");
    } else if (response.status == 404) {
        // The worker restarted without it; give it the grace, then resolve it.
        if (!live->unknown_since) {
            live->unknown_since = now;
            operations_.save(*live);
        } else if (now - *live->unknown_since >= settings_.unknown_grace) {
            dispatcher_.lose_operation(*live, "worker " + worker_id + " no longer knows the operation");
        }
    }
}

void OperationProxy::unreadable(OperationRecord& operation, const std::string& why) {
    const std::string id = operation.operation_id;
    const std::string worker_id = operation.worker_id;
    if (++operation.unreadable_answers < kMaxUnreadableAnswers) {
        log::warn("operation ", id, ": could not read worker ", worker_id, "'s answer (", why, "); asking again in ",
                  kUnreadableRetry.count(), " ms");
        timers_.after(kUnreadableRetry, [this, id] { refresh(id, {}); });
        return;
    }
    // Asking again would get the same answer: resolve it, and free the worker's slot.
    log::warn("operation ", id, ": worker ", worker_id, "'s answer could not be read ", kMaxUnreadableAnswers,
              " times (", why, "); failing the operation");
    const auto move = lifecycle::finish(operation, OperationStatus::Failed,
                                        "the backend could not read worker " + worker_id + "'s answer " +
                                            std::to_string(kMaxUnreadableAnswers) + " times: " + why,
                                        clock_.now());
    if (!lifecycle::logged(operation, "finish", move).refused()) dispatcher_.finish(operation);
}

void OperationProxy::list(const OperationQuery& query, Done<std::optional<OperationRows>> done) {
    list<OperationRows>(query, [](OperationRows rows) { return rows; }, std::move(done));
}

std::optional<std::size_t> OperationProxy::known_total(const OperationQuery& query) const {
    return repository_.known_total(query);
}

void OperationProxy::metrics(const std::string& operation_id, const std::string& query, Done<MetricsResult> done) {
    using Kind = MetricsResult::Kind;
    const auto operation = operations_.find(operation_id);
    if (!operation) return done({Kind::NotFound, {}, {}});
    const WorkerRecord* worker = registry_.find(operation->worker_id);
    if (!worker) return done({Kind::NoWorker, {}, {}});
    workers_.metrics(worker->endpoint_url, operation_id, query,
                             [done = std::move(done)](http::ClientResponse response) {
                                 if (!response.ok())
                                     return done({Kind::Unreachable, {}, std::string(http::to_string(response.error))});
                                 done({Kind::Answered, answer_of(response), {}});
                             });
}

void OperationProxy::cancel(const std::string& operation_id, Done<CancelResult> done) {
    using Kind = CancelResult::Kind;
    OperationRecord* operation = operations_.find_active(operation_id);
    if (!operation) {
        if (auto finished = operations_.find(operation_id))
            return done({.kind = Kind::AlreadyFinal, .final_status = finished->status});
        return done({.kind = Kind::NotFound});
    }
    if (operation->status == OperationStatus::Queued) {
        lifecycle::logged(*operation, "cancel", lifecycle::finish(*operation, OperationStatus::Cancelled, "cancelled while queued",
                                                              clock_.now()));
        dispatcher_.finish(*operation);
        return done({.kind = Kind::CancelledWhileQueued});
    }
    const WorkerRecord* worker = registry_.find(operation->worker_id);
    if (!worker) return done({.kind = Kind::NoWorker});
    const std::string worker_id = worker->worker_id;
    workers_.cancel(
        worker->endpoint_url, operation_id,
        [this, operation_id, worker_id, done = std::move(done)](http::ClientResponse response) {
            if (!response.ok())
                return done({.kind = Kind::Unreachable, .error = std::string(http::to_string(response.error))});
            OperationRecord* live = operations_.find_active(operation_id);
            if (live && response.status == 404 && live->worker_id == worker_id) {
                // The worker does not have it: nothing runs, so it is cancelled here.
                lifecycle::logged(*live, "cancel", lifecycle::finish(*live, OperationStatus::Cancelled, "cancelled", clock_.now()));
                dispatcher_.finish(*live);
                return done({.kind = Kind::CancelledHere});
            }
            const bool agreed = response.status >= 200 && response.status < 300;
            done({.kind = agreed ? Kind::WorkerAgreed : Kind::WorkerRefused, .worker = answer_of(response)});
        });
}

}  // namespace fleet::backend
