#include "backend/admin/admin_runs.hpp"

#include "backend/admin/run_rules.hpp"
#include "backend/core/core_executor.hpp"
#include "backend/core/event_bus.hpp"
#include "backend/dispatch/dispatcher.hpp"
#include "backend/operations/operation_book.hpp"
#include "backend/operations/operation_proxy.hpp"
#include "backend/storage/admin_run_repository.hpp"
#include "common/log.hpp"

#include <memory>

namespace fleet::backend {

AdminRuns::AdminRuns(Dispatcher& dispatcher, OperationProxy& proxy, OperationBook& operations,
                     AdminRunRepository& runs, EventBus& events, CoreExecutor& core, const Clock& clock,
                     Settings settings)
    : dispatcher_(dispatcher),
      proxy_(proxy),
      operations_(operations),
      runs_(runs),
      core_(core),
      clock_(clock),
      settings_(settings) {
    events.subscribe<OperationEnded>([this](const OperationEnded& ended) {
        if (active_.erase(ended.operation->operation_id) > 0)
            log::info("admin run ", ended.operation->operation_id, " ", to_string(run_status_of(ended.operation->status)));
    });
}

void AdminRuns::load() {
    active_.clear();
    for (auto& [run_id, bot] : runs_.load_active()) active_[run_id] = {std::move(bot), next_order_++};
}

std::optional<AdminRun> AdminRuns::find(const std::string& run_id) {
    auto record = runs_.find(run_id);
    if (!record) return std::nullopt;
    auto operation = operations_.find(run_id);
    if (!operation) return std::nullopt;  // not written yet, or deleted by retention
    return AdminRun{std::move(*record), std::move(*operation)};
}

std::optional<AdminRun> AdminRuns::active_run_of(const std::string& bot) {
    const std::string* newest = nullptr;
    std::uint64_t order = 0;
    for (const auto& [run_id, active] : active_) {
        if (active.bot != bot || (newest && active.order < order)) continue;
        // OperationEnded comes after the commit; the book knows at once.
        if (!operations_.find_active(run_id)) continue;
        newest = &run_id;
        order = active.order;
    }
    if (!newest) return std::nullopt;
    return find(*newest);
}

void AdminRuns::run(RunRequest request, std::function<void(RunOutcome)> done) {
    const auto now = clock_.now();
    AdminRunRecord record;
    record.bot = request.bot;
    record.params = request.params;
    record.strict = request.strict;
    record.idempotency_key = request.idempotency_key;
    record.rerun_of = request.rerun_of;
    record.fingerprint = run_rules::request_fingerprint(request.bot, request.params, request.strict, request.rerun_of);

    if (!request.idempotency_key.empty()) {
        const auto holder = runs_.find_by_key(request.idempotency_key);
        switch (run_rules::decide_key(holder, record.fingerprint, now, settings_.idempotency_ttl)) {
            case run_rules::Key::New: break;
            case run_rules::Key::Expired: runs_.forget_key(holder->run_id); break;
            case run_rules::Key::Replay: {
                RunOutcome outcome{RunOutcome::Kind::Replayed, find(holder->run_id)};
                // Its operation is deleted (retention): the key no longer stands for anything.
                if (outcome.run) return done(std::move(outcome));
                runs_.forget_key(holder->run_id);
                break;
            }
            case run_rules::Key::Mismatch:
                return done({RunOutcome::Kind::KeyReused, std::nullopt, holder->run_id,
                             "Idempotency-Key '" + request.idempotency_key + "' was used for a different request (run " +
                                 holder->run_id + ")"});
        }
    }

    std::string overlapping;
    if (const auto active = active_run_of(request.bot)) {
        const auto message = run_rules::overlap_message(request.bot, active->record.run_id,
                                                        to_string(run_status_of(active->operation.status)));
        switch (run_rules::decide_overlap(true, request.strict || settings_.strict_overlap)) {
            case run_rules::Overlap::None: break;
            case run_rules::Overlap::Warn:
                record.warning = message;
                overlapping = active->record.run_id;
                break;
            case run_rules::Overlap::Refuse:
                return done({RunOutcome::Kind::Overlaps, std::nullopt, active->record.run_id, message});
        }
    }

    StartRequest start;
    start.domain = request.domain;
    start.parameters = request.params;
    // Stored in the batch that inserts the operation: a run is never without its operation, nor the reverse.
    start.on_created = [this, record = std::move(record)](const OperationRecord& operation) mutable {
        record.run_id = operation.operation_id;
        record.created_at = operation.created_at;
        runs_.insert(record);
        active_[record.run_id] = {record.bot, next_order_++};
        log::info("admin run ", record.run_id, " of ", record.bot, " created",
                  record.warning.empty() ? "" : " (" + record.warning + ")");
    };
    const std::string bot = request.bot;
    dispatcher_.start(std::move(start), [this, bot, overlapping, done = std::move(done)](StartResult result) {
        switch (result.kind) {
            case StartResult::Kind::NoWorkerServes:
            case StartResult::Kind::Unmeetable:
                return done({RunOutcome::Kind::NoWorker, std::nullopt, {},
                             "no registered worker runs bot '" + bot + "'; start a fleet-worker --type " + bot});
            case StartResult::Kind::Rejected:
                return done({RunOutcome::Kind::Refused, find(result.operation_id), {}, {},
                             WorkerAnswer{result.worker_status, std::move(result.worker_body)}});
            case StartResult::Kind::Started:
            case StartResult::Kind::Pending:
            case StartResult::Kind::Queued:
            case StartResult::Kind::Duplicate:  // a run never names its id
                return done({RunOutcome::Kind::Started, find(result.operation_id), overlapping});
        }
    });
}

std::optional<RunRequest> AdminRuns::rerun_request(const std::string& run_id, bool strict,
                                                   std::string idempotency_key) {
    auto run = find(run_id);
    if (!run) return std::nullopt;
    RunRequest request;
    request.bot = run->record.bot;
    request.domain = run->operation.domain;
    request.params = run->record.params;
    request.strict = strict;
    request.idempotency_key = std::move(idempotency_key);
    request.rerun_of = run_id;
    return request;
}

void AdminRuns::cancel(const std::string& run_id, std::function<void(CancelResult)> done) {
    if (!runs_.find(run_id)) return done(CancelResult{CancelResult::Kind::NotFound});
    proxy_.cancel(run_id, std::move(done));
}

void AdminRuns::get(const std::string& run_id, std::function<void(std::optional<AdminRun>)> done) {
    proxy_.refresh_stale({run_id}, [this, run_id, done = std::move(done)] { done(find(run_id)); });
}

void AdminRuns::list(const RunQuery& query, std::function<void(Page)> done) {
    // The operations are written behind, at the commit: read once it is done.
    core_.post_after_commit([this, query, done = std::move(done)]() mutable {
        auto rows = runs_.list(query);
        auto page = std::make_shared<Page>();
        page->total = rows.total;
        for (auto& record : rows.runs) {
            auto operation = operations_.find(record.run_id);
            if (!operation) continue;
            page->runs.push_back({std::move(record), std::move(*operation)});
        }
        // A run on a worker is shown as its worker sees it (as GET of one run does): the
        // page's stale ones are refreshed together, each costing its worker one call.
        std::vector<std::string> ids;
        for (const auto& run : page->runs) ids.push_back(run.record.run_id);
        proxy_.refresh_stale(ids, [this, page, done = std::move(done)]() mutable {
            for (auto& run : page->runs)
                if (auto operation = operations_.find(run.record.run_id)) run.operation = std::move(*operation);
            done(std::move(*page));
        });
    });
}

std::optional<std::string> AdminRuns::active_bot(const std::string& run_id) const {
    const auto it = active_.find(run_id);
    if (it == active_.end()) return std::nullopt;
    return it->second.bot;
}

}  // namespace fleet::backend
