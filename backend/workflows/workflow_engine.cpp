#include "backend/workflows/workflow_engine.hpp"

#include "backend/core/core_executor.hpp"
#include "backend/core/core_timers.hpp"
#include "backend/core/event_bus.hpp"
#include "backend/dispatch/dispatcher.hpp"
#include "backend/metrics.hpp"
#include "backend/operations/operation_book.hpp"
#include "backend/operations/operation_proxy.hpp"
#include "backend/storage/database.hpp"
#include "common/ids.hpp"
#include "common/log.hpp"

#include <sstream>

namespace fleet::backend {
namespace {

using namespace workflows;

// 96 random bits, time-ordered like operation ids: "wf_" + 12 + 24 hex.
constexpr std::size_t kWorkflowIdHex = 24;

constexpr WorkflowStatus kAllStatuses[] = {WorkflowStatus::Pending,   WorkflowStatus::Running,
                                           WorkflowStatus::Paused,    WorkflowStatus::Completed,
                                           WorkflowStatus::Failed,    WorkflowStatus::Cancelled,
                                           WorkflowStatus::Recovering};

// An attempt's operation, ended, as decide() takes it: a failure with a lost worker is ambiguous.
AttemptEnded attempt_ended(const OperationRecord& operation) {
    return {operation.operation_id, operation.status, operation.result, operation.error_message,
            operation.status == OperationStatus::Failed && operation.worker_losses > 0};
}

}  // namespace

WorkflowEngine::WorkflowEngine(Dispatcher& dispatcher, OperationProxy& proxy, OperationBook& operations,
                               WorkflowRepository& workflows, Database& database, EventBus& events,
                               CoreExecutor& core, CoreTimers& timers, BackendMetrics& metrics, const Clock& clock)
    : dispatcher_(dispatcher),
      events_(events),
      proxy_(proxy),
      operations_(operations),
      repository_(workflows),
      core_(core),
      timers_(timers),
      metrics_(metrics),
      clock_(clock),
      written_(database, [this](const std::string& id) { write(id); }) {
    events.subscribe<OperationEnded>(
        [this](const OperationEnded& ended) { on_operation_ended(*ended.operation); });
}

WorkflowEngine::~WorkflowEngine() = default;

void WorkflowEngine::load() {
    active_.clear();
    for (auto& state : repository_.load_active()) {
        const auto id = state.workflow_id;
        const auto status = state.status;
        active_.emplace(id, Entry{std::move(state), status, false, true});
    }
    if (!active_.empty()) log::info(active_.size(), " workflows on file are active");
}

void WorkflowEngine::resume_all() {
    std::vector<std::string> ids;
    ids.reserve(active_.size());
    for (const auto& [id, entry] : active_) ids.push_back(id);
    for (const auto& id : ids) {
        Entry* entry = entry_of(id);
        if (!entry) continue;
        // What happened to the live attempts while the backend was down.
        for (std::size_t i = 0; i < entry->state.steps.size(); ++i) {
            const StepState& step = entry->state.steps[i];
            if (!step.live) continue;
            const auto operation = operations_.find(step.operation_id);
            if (!operation) {
                handle(*entry, StartRefused{step.operation_id, "its operation was never created"});
            } else if (is_terminal(operation->status)) {
                handle(*entry, attempt_ended(*operation));
            } else if (step.stopping) {
                // Told to stop before the backend went down: the cancel may never have left.
                carry_out(*entry, CancelAttempt{step.operation_id}, std::chrono::steady_clock::now(), false);
            }
        }
        for (const auto& timer : timers_of(entry->state)) arm(id, timer);
        handle(*entry, Advance{});
    }
}

WorkflowEngine::Entry* WorkflowEngine::entry_of(const std::string& workflow_id) {
    const auto it = active_.find(workflow_id);
    return it == active_.end() ? nullptr : &it->second;
}

std::string WorkflowEngine::submit(std::shared_ptr<const WorkflowDefinition> definition, std::string schedule_id,
                                   std::optional<SystemTime> scheduled_for) {
    const auto now = clock_.now();
    std::string id;
    do id = time_ordered_id("wf_", now, kWorkflowIdHex);
    while (active_.contains(id));  // 96 random bits: the store's insert refuses the rest
    auto state = new_workflow(id, std::move(definition), now);
    state.schedule_id = std::move(schedule_id);
    state.scheduled_for = scheduled_for;
    auto& entry = active_.emplace(id, Entry{std::move(state), WorkflowStatus::Pending, false, false}).first->second;
    log::debug("workflow submitted (", entry.state.definition->name, ", ", entry.state.steps.size(), " steps)",
               log::field("workflow_id", id));
    handle(entry, Advance{});
    return id;
}

Decision WorkflowEngine::handle(Entry& entry, const WorkflowEvent& event) {
    const auto began = std::chrono::steady_clock::now();
    const auto before = entry.state.status;
    std::vector<StepStatus> steps_before;
    if (events_.wanted<StepStatusChanged>()) {
        steps_before.reserve(entry.state.steps.size());
        for (const auto& step : entry.state.steps) steps_before.push_back(step.status);
    }
    auto decision = decide(entry.state, event, clock_.now());
    // The write first: the event is delivered after the commit that holds it.
    if (decision.changed) written_.mark(entry.state.workflow_id);
    // Steps first: the workflow's own move follows from theirs.
    for (std::size_t i = 0; i < steps_before.size(); ++i) {
        const auto& step = entry.state.steps[i];
        if (step.status == steps_before[i]) continue;
        events_.publish(StepStatusChanged{entry.state.workflow_id, entry.state.definition->steps[i].name, step.attempts,
                                          step.operation_id, steps_before[i], step.status});
    }
    if (before != entry.state.status && events_.wanted<WorkflowStatusChanged>()) {
        events_.publish(WorkflowStatusChanged{entry.state.workflow_id, entry.state.schedule_id, before,
                                              entry.state.status});
    }
    const bool step_to_step = std::holds_alternative<AttemptEnded>(event);
    for (auto& command : decision.commands) carry_out(entry, std::move(command), began, step_to_step);
    if (entry.state.settled()) evict_when_written(entry.state.workflow_id);
    return decision;
}

void WorkflowEngine::evict_when_written(const std::string& workflow_id) {
    // A later turn (whoever holds the entry now may still use it), then after
    // the commit that writes it: the store answers for it from then on.
    core_.post([this, workflow_id] {
        core_.post_after_commit([this, workflow_id] {
            const auto it = active_.find(workflow_id);
            if (it == active_.end() || !it->second.state.settled()) return;
            if (written_.pending(workflow_id)) return evict_when_written(workflow_id);
            for (const auto timer : it->second.timers) timers_.cancel(timer);
            active_.erase(it);
        });
    });
}

void WorkflowEngine::carry_out(Entry& entry, Command command, std::chrono::steady_clock::time_point began,
                               bool step_to_step) {
    const std::string& workflow_id = entry.state.workflow_id;
    if (auto* start = std::get_if<StartAttempt>(&command)) {
        const StepDefinition& step = entry.state.definition->steps[start->step];
        StartRequest request;
        request.operation_id = start->operation_id;
        request.domain = step.domain;
        request.priority = step.priority;
        request.requirements = step.requirements;
        request.parameters = std::move(start->parameters);
        request.max_retries = 0;  // the engine retries, not the dispatcher
        dispatcher_.start(std::move(request), [this, workflow_id, operation_id = start->operation_id, domain = step.domain,
                                               began, step_to_step](StartResult result) {
            switch (result.kind) {
                case StartResult::Kind::Started:
                    if (step_to_step) metrics_.step_to_step(std::chrono::steady_clock::now() - began);
                    return;
                case StartResult::Kind::NoWorkerServes:
                case StartResult::Kind::Unmeetable: {
                    const std::string why = result.kind == StartResult::Kind::NoWorkerServes
                                                ? "no registered worker serves domain '" + domain + "'"
                                                : "no registered worker of domain '" + domain +
                                                      "' could meet the step's requirements";
                    // A turn of its own: the decision that started it has finished.
                    core_.post([this, workflow_id, operation_id, why] {
                        if (Entry* e = entry_of(workflow_id)) handle(*e, StartRefused{operation_id, why});
                    });
                    return;
                }
                case StartResult::Kind::Duplicate:
                    log::error("workflow step's operation exists already; not started again",
                               log::field("workflow_id", workflow_id), log::field("operation_id", operation_id));
                    return;
                case StartResult::Kind::Pending:
                case StartResult::Kind::Queued:
                case StartResult::Kind::Rejected:  // the operation failed: its OperationEnded follows
                    return;
            }
        });
    } else if (auto* cancel = std::get_if<CancelAttempt>(&command)) {
        core_.post_after_commit([this, operation_id = cancel->operation_id] {
            proxy_.cancel(operation_id, [operation_id](CancelResult result) {
                if (result.kind == CancelResult::Kind::Unreachable || result.kind == CancelResult::Kind::WorkerRefused)
                    log::warn("workflow attempt ", operation_id, " could not be cancelled yet (",
                              result.kind == CancelResult::Kind::Unreachable ? "its worker did not answer"
                                                                              : "its worker refused",
                              "); it stops when its worker does or is lost");
            });
        });
    } else if (auto* timer = std::get_if<ArmTimer>(&command)) {
        arm(workflow_id, *timer);
    } else if (auto* ended = std::get_if<WorkflowEnded>(&command)) {
        // Thousands a second may complete: those at debug; a failure or a cancel is news.
        log::emit(ended->status == WorkflowStatus::Completed ? log::Level::Debug : log::Level::Info, "workflow ",
                  to_string(ended->status), entry.state.error_message.empty() ? "" : ": " + entry.state.error_message,
                  log::field("workflow_id", workflow_id), log::field("status", to_string(ended->status)));
    }
}

void WorkflowEngine::arm(const std::string& workflow_id, const ArmTimer& timer) {
    Entry* entry = entry_of(workflow_id);
    if (!entry) return;
    entry->timers.push_back(timers_.at(timer.due, [this, workflow_id, t = timer.timer] {
        if (Entry* armed_for = entry_of(workflow_id)) handle(*armed_for, TimerFired{t});
    }));
}

void WorkflowEngine::write(const std::string& workflow_id) {
    Entry* entry = entry_of(workflow_id);
    if (!entry) return;
    if (!entry->stored) {
        repository_.insert(entry->state);
        entry->stored = true;
    } else {
        const bool listed_columns_changed =
            entry->saved_status != entry->state.status || entry->saved_settled != entry->state.settled();
        repository_.update(entry->state, listed_columns_changed);
    }
    entry->saved_status = entry->state.status;
    entry->saved_settled = entry->state.settled();
}

void WorkflowEngine::on_operation_ended(const OperationRecord& operation) {
    // Most operations are not a workflow's: one comparison for them.
    if (!operation.operation_id.starts_with("wf_")) return;
    const auto attempt = attempt_of(operation.operation_id);
    if (!attempt) return;
    Entry* entry = entry_of(attempt->workflow_id);
    if (!entry) return;
    metrics_.step_attempt_ended(operation.status == OperationStatus::Completed);
    handle(*entry, attempt_ended(operation));
}

SignalOutcome WorkflowEngine::signal(const std::string& workflow_id, const std::string& name,
                                     boost::json::value payload, const std::string& idempotency_key) {
    Entry* entry = entry_of(workflow_id);
    if (!entry) {
        const auto stored = repository_.find(workflow_id);
        if (!stored) return {SignalOutcome::Kind::UnknownWorkflow, {}, "workflow '" + workflow_id + "' not found"};
        // Settled: it has ended, and decide says so in its own words.
        auto state = *stored;
        auto decision = decide(state, SignalReceived{name, std::move(payload), idempotency_key}, clock_.now());
        if (decision.verdict == Decision::Verdict::Ignored) return {SignalOutcome::Kind::Repeated, decision.delivered_to, {}};
        const auto kind = decision.verdict == Decision::Verdict::NotFound ? SignalOutcome::Kind::UnknownSignal
                                                                          : SignalOutcome::Kind::Ended;
        return {kind, {}, decision.message};
    }
    const auto decision = handle(*entry, SignalReceived{name, std::move(payload), idempotency_key});
    switch (decision.verdict) {
        case Decision::Verdict::Refused: return {SignalOutcome::Kind::Ended, {}, decision.message};
        case Decision::Verdict::NotFound: return {SignalOutcome::Kind::UnknownSignal, {}, decision.message};
        case Decision::Verdict::Ignored: return {SignalOutcome::Kind::Repeated, decision.delivered_to, {}};
        case Decision::Verdict::Applied: break;
    }
    if (decision.delivered_to.empty()) return {SignalOutcome::Kind::Buffered, {}, {}};
    return {SignalOutcome::Kind::Delivered, decision.delivered_to, {}};
}

ControlOutcome WorkflowEngine::control(const std::string& workflow_id, ControlAction action,
                                       std::optional<std::string> from_step) {
    Entry* entry = entry_of(workflow_id);
    if (!entry) {
        auto stored = repository_.find(workflow_id);
        if (!stored) return {ControlOutcome::Kind::UnknownWorkflow, std::nullopt, {}, "workflow '" + workflow_id + "' not found"};
        // Settled, so only a recover can change it: back into memory for it.
        const auto status = stored->status;
        entry = &active_.emplace(workflow_id, Entry{std::move(*stored), status, true, true}).first->second;
    }
    Decision decision;
    switch (action) {
        case ControlAction::Pause: decision = handle(*entry, Pause{}); break;
        case ControlAction::Resume: decision = handle(*entry, Resume{}); break;
        case ControlAction::Cancel: decision = handle(*entry, Cancel{}); break;
        case ControlAction::Recover: decision = handle(*entry, Recover{std::move(from_step)}); break;
    }
    switch (decision.verdict) {
        case Decision::Verdict::Refused: return {ControlOutcome::Kind::Refused, std::nullopt, {}, decision.message};
        case Decision::Verdict::NotFound: return {ControlOutcome::Kind::UnknownStep, std::nullopt, {}, decision.message};
        case Decision::Verdict::Ignored:
        case Decision::Verdict::Applied: break;
    }
    return {ControlOutcome::Kind::Done, view_of(entry->state), std::move(decision.reset_steps), {}};
}

bool WorkflowEngine::is_active(const std::string& workflow_id) const {
    const auto it = active_.find(workflow_id);
    return it != active_.end() && !is_terminal(it->second.state.status);
}

WorkflowStatus WorkflowEngine::status_of(const std::string& workflow_id) const {
    const auto it = active_.find(workflow_id);
    // Settled ones leave memory only in a later turn, after their commit.
    return it == active_.end() ? WorkflowStatus::Pending : it->second.state.status;
}

std::optional<WorkflowView> WorkflowEngine::find(const std::string& workflow_id) {
    if (const Entry* entry = entry_of(workflow_id)) return view_of(entry->state);
    auto stored = repository_.find(workflow_id);
    if (!stored) return std::nullopt;
    return view_of(std::move(*stored));
}

void WorkflowEngine::get(const std::string& workflow_id, std::function<void(std::optional<WorkflowView>)> done) {
    std::vector<std::string> live;
    if (const Entry* entry = entry_of(workflow_id))
        for (const auto& step : entry->state.steps)
            if (step.live) live.push_back(step.operation_id);
    proxy_.refresh_stale(live, [this, workflow_id, done = std::move(done)] { done(find(workflow_id)); });
}

void WorkflowEngine::list(const WorkflowQuery& query, std::function<void(Page)> done) {
    core_.post_after_commit([this, query, done = std::move(done)] {
        auto rows = repository_.list(query);
        Page page;
        page.total = rows.total;
        for (auto& state : rows.workflows) {
            // Memory is as new as the store or newer (written at the next commit).
            if (const Entry* entry = entry_of(state.workflow_id)) state = entry->state;
            page.workflows.push_back(view_of(std::move(state)));
        }
        done(std::move(page));
    });
}

WorkflowView WorkflowEngine::view_of(WorkflowState state) {
    WorkflowView view;
    view.step_status.reserve(state.steps.size());
    double done = 0;
    for (const auto& step : state.steps) {
        StepStatus shown = step.status;
        if (step.status == StepStatus::Completed) done += 1;
        if (step.live) {
            if (const OperationRecord* operation = operations_.find_active(step.operation_id)) {
                if (operation->status == OperationStatus::Queued) shown = StepStatus::Queued;
                const auto* percentage = operation->progress.if_contains("percentage");
                if (percentage && percentage->is_number())
                    done += std::clamp(percentage->to_number<double>(), 0.0, 100.0) / 100.0;
            }
        }
        view.step_status.push_back(shown);
    }
    const auto steps = static_cast<double>(state.steps.size());
    view.progress = state.status == WorkflowStatus::Completed ? 100
                                                              : std::min(99, static_cast<int>(done / steps * 100.0));
    view.state = std::move(state);
    return view;
}

std::string WorkflowEngine::prometheus() {
    const auto counts = repository_.count_by_status();
    std::ostringstream out;
    out << "# HELP fleet_workflows Workflows by status.\n# TYPE fleet_workflows gauge\n";
    for (const auto status : kAllStatuses) {
        const auto it = counts.find(status);
        out << "fleet_workflows{status=\"" << to_string(status) << "\"} " << (it == counts.end() ? 0 : it->second)
            << "\n";
    }
    return out.str();
}

}  // namespace fleet::backend
