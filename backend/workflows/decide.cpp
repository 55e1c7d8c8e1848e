#include "backend/workflows/decide.hpp"

#include "backend/workflows/templates.hpp"

#include <algorithm>
#include <cmath>

namespace fleet::backend::workflows {
namespace {

// Signals kept for steps that do not wait yet, at most: each is in the state every write carries.
constexpr std::size_t kMaxBufferedSignals = 100;

std::string seconds_text(std::chrono::milliseconds duration) {
    const double seconds = static_cast<double>(duration.count()) / 1000.0;
    std::string text = std::to_string(seconds);
    text.erase(text.find_last_not_of('0') + 1);
    if (text.back() == '.') text.pop_back();
    return text + " s";
}

// One decide() call: the state, the time, and what it has decided so far.
class Run {
public:
    Run(WorkflowState& state, SystemTime now) : state_(state), def_(*state.definition), now_(now) {}

    Decision take(const WorkflowEvent& event) {
        std::visit([this](const auto& e) { on(e); }, event);
        if (decision_.changed) {
            state_.updated_at = now_;
            if (decision_.verdict == Decision::Verdict::Ignored) decision_.verdict = Decision::Verdict::Applied;
        }
        return std::move(decision_);
    }

private:
    bool active() const {
        return state_.status == WorkflowStatus::Running || state_.status == WorkflowStatus::Recovering;
    }
    bool ended() const { return is_terminal(state_.status); }
    const StepDefinition& def(std::size_t i) const { return def_.steps[i]; }

    void refuse(std::string message) {
        decision_.verdict = Decision::Verdict::Refused;
        decision_.message = std::move(message);
    }
    void not_found(std::string message) {
        decision_.verdict = Decision::Verdict::NotFound;
        decision_.message = std::move(message);
    }
    template <typename Kind>
    void command(Kind c) {
        decision_.commands.emplace_back(std::in_place_type<Kind>, std::move(c));
    }
    void arm(Timer timer, SystemTime due) { command(ArmTimer{timer, due}); }

    // The step whose latest attempt is `operation_id` and still live, if any.
    std::optional<std::size_t> live_step_of(const std::string& operation_id) const {
        const auto attempt = attempt_of(operation_id);
        if (!attempt || attempt->workflow_id != state_.workflow_id) return std::nullopt;
        const auto index = def_.step_index(attempt->step);
        if (!index) return std::nullopt;
        const StepState& step = state_.steps[*index];
        if (!step.live || step.operation_id != operation_id) return std::nullopt;
        return index;
    }

    bool dependencies_completed(std::size_t i) const {
        return std::all_of(def(i).depends_on.begin(), def(i).depends_on.end(),
                           [this](std::size_t d) { return state_.steps[d].status == StepStatus::Completed; });
    }

    // Starts what is ready, as long as starting completes more (a buffered
    // signal), then ends the workflow when every step completed.
    void advance() {
        if (!active()) return;
        for (bool again = true; again;) {
            again = false;
            for (std::size_t i = 0; i < state_.steps.size() && active(); ++i) {
                StepState& step = state_.steps[i];
                const bool ready = step.status == StepStatus::Pending && dependencies_completed(i);
                const bool retry_due = step.status == StepStatus::Retrying && step.next_attempt_at &&
                                       *step.next_attempt_at <= now_;
                if (!ready && !retry_due) continue;
                start(i);
                again = again || step.status == StepStatus::Completed;
            }
        }
        if (!active()) return;
        const bool all_completed = std::all_of(state_.steps.begin(), state_.steps.end(),
                                               [](const StepState& s) { return s.status == StepStatus::Completed; });
        if (all_completed) end(WorkflowStatus::Completed, "");
    }

    void start(std::size_t i) {
        StepState& step = state_.steps[i];
        decision_.changed = true;
        step.started_at = now_;
        step.completed_at.reset();
        step.next_attempt_at.reset();
        step.deadline.reset();
        if (def(i).kind == StepDefinition::Kind::Signal) return wait_for_signal(i);

        auto parameters = resolve_templates(def(i).parameters, def_.inputs, [this](const std::string& name) {
            const auto index = def_.step_index(name);
            const boost::json::value* result = nullptr;
            if (index && state_.steps[*index].status == StepStatus::Completed) result = &state_.steps[*index].result;
            return result;
        });
        if (auto* error = std::get_if<std::string>(&parameters)) return fail_step(i, *error);

        ++step.attempts;
        step.status = StepStatus::Running;
        step.operation_id = attempt_operation_id(state_.workflow_id, def(i).name, step.attempts);
        step.live = true;
        step.stopping = false;
        step.timed_out = false;
        step.error_message.clear();
        if (def(i).timeout) {
            step.deadline = now_ + *def(i).timeout;
            arm({Timer::Kind::AttemptTimeout, i, step.attempts}, *step.deadline);
        }
        command(StartAttempt{i, step.operation_id, std::move(std::get<boost::json::object>(parameters))});
    }

    void wait_for_signal(std::size_t i) {
        StepState& step = state_.steps[i];
        step.status = StepStatus::Waiting;
        for (SignalRecord& signal : state_.signals) {
            if (signal.name != def(i).signal || !signal.step.empty()) continue;
            signal.step = def(i).name;
            return complete(i, signal.payload);
        }
        if (def(i).timeout) {
            step.deadline = now_ + *def(i).timeout;
            arm({Timer::Kind::SignalTimeout, i, 0}, *step.deadline);
        }
    }

    void complete(std::size_t i, boost::json::value result) {
        StepState& step = state_.steps[i];
        decision_.changed = true;
        step.status = StepStatus::Completed;
        step.result = std::move(result);
        step.completed_at = now_;
        step.live = false;
        step.stopping = false;
        step.deadline.reset();
        step.error_message.clear();
        if (state_.recovering_from == i) {
            state_.recovering_from.reset();
            if (state_.status == WorkflowStatus::Recovering) state_.status = WorkflowStatus::Running;
        }
    }

    // An attempt failed: another one later while retries are left, else the step fails.
    void attempt_failed(std::size_t i, std::string error) {
        StepState& step = state_.steps[i];
        decision_.changed = true;
        step.live = false;
        step.stopping = false;
        step.deadline.reset();
        ++step.failed_attempts;
        if (step.failed_attempts > def(i).max_retries) return fail_step(i, std::move(error));
        step.status = StepStatus::Retrying;
        step.error_message = std::move(error);
        step.next_attempt_at = now_ + backoff(def(i), step.failed_attempts);
        arm({Timer::Kind::Retry, i, step.attempts + 1}, *step.next_attempt_at);
    }

    void fail_step(std::size_t i, std::string error) {
        StepState& step = state_.steps[i];
        decision_.changed = true;
        step.status = StepStatus::Failed;
        step.live = false;
        step.deadline.reset();
        step.completed_at = now_;
        step.error_message = error;
        state_.failed_step = i;
        end(WorkflowStatus::Failed, "step '" + def(i).name + "' failed: " + error);
    }

    // The workflow ends: live attempts are told to stop, the rest is settled.
    void end(WorkflowStatus status, std::string error) {
        decision_.changed = true;
        state_.status = status;
        state_.error_message = std::move(error);
        state_.completed_at = now_;
        state_.deadline.reset();
        state_.recovering_from.reset();
        for (std::size_t i = 0; i < state_.steps.size(); ++i) {
            StepState& step = state_.steps[i];
            if (step.live) {
                if (!step.stopping) command(CancelAttempt{step.operation_id});
                step.stopping = true;
                continue;
            }
            const bool unstarted = step.status == StepStatus::Pending;
            const bool open = unstarted || step.status == StepStatus::Waiting || step.status == StepStatus::Retrying;
            if (!open) continue;
            step.status = (unstarted && status == WorkflowStatus::Failed) ? StepStatus::Skipped : StepStatus::Cancelled;
            step.next_attempt_at.reset();
            step.deadline.reset();
        }
        command(WorkflowEnded{status});
    }

    void on(const Advance&) {
        if (state_.status == WorkflowStatus::Pending) {
            decision_.changed = true;
            state_.status = WorkflowStatus::Running;
            state_.started_at = now_;
            if (def_.timeout) {
                state_.deadline = now_ + *def_.timeout;
                arm({Timer::Kind::WorkflowTimeout}, *state_.deadline);
            }
        }
        advance();
    }

    void on(const AttemptEnded& e) {
        const auto index = live_step_of(e.operation_id);
        if (!index) return;  // a late answer of an earlier attempt, or of a step that moved on
        const std::size_t i = *index;
        StepState& step = state_.steps[i];
        const int n = step.attempts;
        if (ended()) {
            // The workflow ended while it ran: it stopped (or finished first, and its result is kept).
            decision_.changed = true;
            step.live = false;
            step.stopping = false;
            if (e.status == OperationStatus::Completed) return complete(i, e.result);
            step.status = StepStatus::Cancelled;
            step.completed_at = now_;
            step.error_message = e.error_message;
            return;
        }
        if (e.status == OperationStatus::Completed) {
            complete(i, e.result);
            return advance();
        }
        if (e.worker_lost && !def(i).idempotent) {
            // Ambiguous: it may still run there (a timed-out one too, whose cancel never landed).
            step.live = false;
            fail_step(i, "its worker was lost while attempt " + std::to_string(n) +
                             " ran; the step is not idempotent, so it is not retried (recover the workflow to run it again)");
        } else if (step.timed_out) {
            attempt_failed(i, "attempt " + std::to_string(n) + " timed out after " +
                                  seconds_text(def(i).timeout.value_or(std::chrono::milliseconds{0})));
        } else if (e.status == OperationStatus::Cancelled) {
            // Somebody cancelled the step's operation itself: a person's decision, not a fault to retry.
            step.live = false;
            fail_step(i, "attempt " + std::to_string(n) + " was cancelled");
        } else {
            attempt_failed(i, e.error_message.empty() ? "attempt " + std::to_string(n) + " failed" : e.error_message);
        }
        advance();
    }

    void on(const StartRefused& e) {
        const auto index = live_step_of(e.operation_id);
        if (!index) return;
        if (ended()) {
            decision_.changed = true;
            state_.steps[*index].live = false;
            state_.steps[*index].status = StepStatus::Cancelled;
            return;
        }
        attempt_failed(*index, e.why);
        advance();
    }

    void on(const TimerFired& e) {
        const Timer& t = e.timer;
        if (t.kind == Timer::Kind::WorkflowTimeout) {
            if (ended() || !state_.deadline || now_ < *state_.deadline) return;
            return end(WorkflowStatus::Failed, "the workflow timed out after " + seconds_text(*def_.timeout));
        }
        if (t.step >= state_.steps.size()) return;
        StepState& step = state_.steps[t.step];
        switch (t.kind) {
            case Timer::Kind::Retry:
                if (!active() || step.status != StepStatus::Retrying || step.attempts + 1 != t.attempt) return;
                if (!step.next_attempt_at || now_ < *step.next_attempt_at) return;
                start(t.step);
                return advance();
            case Timer::Kind::AttemptTimeout:
                if (!step.live || step.stopping || step.attempts != t.attempt) return;
                decision_.changed = true;
                step.stopping = true;
                step.timed_out = true;
                return command(CancelAttempt{step.operation_id});
            case Timer::Kind::SignalTimeout:
                if (ended() || step.status != StepStatus::Waiting || !step.deadline || now_ < *step.deadline) return;
                return fail_step(t.step, "no signal '" + def(t.step).signal + "' arrived within " +
                                             seconds_text(def(t.step).timeout.value_or(std::chrono::milliseconds{0})));
            case Timer::Kind::WorkflowTimeout: return;
        }
    }

    void on(const SignalReceived& e) {
        // A repeat is answered as the first was, whatever happened since.
        if (!e.idempotency_key.empty()) {
            for (const SignalRecord& earlier : state_.signals) {
                if (earlier.idempotency_key != e.idempotency_key) continue;
                decision_.delivered_to = earlier.step;
                return;  // Ignored: delivered once already
            }
        }
        if (ended()) {
            return refuse("workflow '" + state_.workflow_id + "' has ended (" + std::string(to_string(state_.status)) +
                          "); it takes no signals");
        }
        const bool awaited = std::any_of(def_.steps.begin(), def_.steps.end(), [&e](const StepDefinition& s) {
            return s.kind == StepDefinition::Kind::Signal && s.signal == e.name;
        });
        if (!awaited) return not_found("no step of workflow '" + state_.workflow_id + "' waits for signal '" + e.name + "'");
        const auto waiting = std::count_if(state_.signals.begin(), state_.signals.end(),
                                           [](const SignalRecord& s) { return s.step.empty(); });
        if (static_cast<std::size_t>(waiting) >= kMaxBufferedSignals) {
            return refuse("workflow '" + state_.workflow_id + "' already holds " + std::to_string(waiting) +
                          " signals no step has taken; it takes no more until one is");
        }
        decision_.changed = true;
        state_.signals.push_back({e.name, e.payload, e.idempotency_key, now_, {}});
        for (std::size_t i = 0; i < state_.steps.size(); ++i) {
            if (def(i).kind != StepDefinition::Kind::Signal || def(i).signal != e.name) continue;
            if (state_.steps[i].status != StepStatus::Waiting) continue;
            state_.signals.back().step = def(i).name;
            decision_.delivered_to = def(i).name;
            complete(i, e.payload);
            return advance();
        }
    }

    void on(const Pause&) {
        if (!active()) return refuse(cannot("pause"));
        decision_.changed = true;
        state_.status = WorkflowStatus::Paused;
    }

    void on(const Resume&) {
        if (state_.status != WorkflowStatus::Paused) return refuse(cannot("resume"));
        decision_.changed = true;
        state_.status = state_.recovering_from ? WorkflowStatus::Recovering : WorkflowStatus::Running;
        advance();
    }

    void on(const Cancel&) {
        if (ended()) return refuse(cannot("cancel"));
        end(WorkflowStatus::Cancelled, "cancelled by request");
    }

    void on(const Recover& e) {
        if (state_.status != WorkflowStatus::Failed && state_.status != WorkflowStatus::Cancelled)
            return refuse(cannot("recover"));
        for (std::size_t i = 0; i < state_.steps.size(); ++i) {
            if (state_.steps[i].live)
                return refuse("step '" + def(i).name + "' of workflow '" + state_.workflow_id +
                              "' is still stopping; recover it once that attempt has ended");
        }
        if (state_.recovery_attempts >= def_.max_recovery_attempts) {
            return refuse("workflow '" + state_.workflow_id + "' has no recovery attempts left (" +
                          std::to_string(state_.recovery_attempts) + " of " +
                          std::to_string(def_.max_recovery_attempts) + " used)");
        }
        std::optional<std::size_t> from;
        if (e.from_step) {
            from = def_.step_index(*e.from_step);
            if (!from) return not_found("workflow '" + state_.workflow_id + "' has no step '" + *e.from_step + "'");
        } else if (state_.failed_step) {
            from = state_.failed_step;
        } else {
            for (std::size_t i = 0; i < state_.steps.size() && !from; ++i)
                if (state_.steps[i].status != StepStatus::Completed) from = i;
        }
        if (!from) return refuse("every step of workflow '" + state_.workflow_id + "' completed; nothing to recover");

        // The step, what depends on it, and whatever else did not complete.
        std::vector<bool> reset(state_.steps.size(), false);
        reset[*from] = true;
        for (std::size_t i = 0; i < state_.steps.size(); ++i) {
            if (state_.steps[i].status != StepStatus::Completed) reset[i] = true;
        }
        for (bool grew = true; grew;) {
            grew = false;
            for (std::size_t i = 0; i < state_.steps.size(); ++i) {
                if (reset[i]) continue;
                for (std::size_t d : def(i).depends_on)
                    if (reset[d]) reset[i] = grew = true;
            }
        }
        for (std::size_t i = 0; i < state_.steps.size(); ++i) {
            if (!reset[i]) continue;
            StepState fresh;
            fresh.attempts = state_.steps[i].attempts;  // attempt ids are never reused
            state_.steps[i] = std::move(fresh);
            decision_.reset_steps.push_back(def(i).name);
        }
        decision_.changed = true;
        ++state_.recovery_attempts;
        state_.status = WorkflowStatus::Recovering;
        state_.recovering_from = from;
        state_.error_message.clear();
        state_.failed_step.reset();
        state_.completed_at.reset();
        if (def_.timeout) {
            state_.deadline = now_ + *def_.timeout;
            arm({Timer::Kind::WorkflowTimeout}, *state_.deadline);
        }
        advance();
    }

    std::string cannot(std::string_view action) const {
        return "cannot " + std::string(action) + " workflow '" + state_.workflow_id + "': it is " +
               std::string(to_string(state_.status));
    }

    WorkflowState& state_;
    const WorkflowDefinition& def_;
    const SystemTime now_;
    Decision decision_;
};

}  // namespace

Decision decide(WorkflowState& state, const WorkflowEvent& event, SystemTime now) {
    return Run(state, now).take(event);
}

std::vector<ArmTimer> timers_of(const WorkflowState& state) {
    std::vector<ArmTimer> timers;
    if (!is_terminal(state.status) && state.deadline) timers.push_back({{Timer::Kind::WorkflowTimeout}, *state.deadline});
    for (std::size_t i = 0; i < state.steps.size(); ++i) {
        const StepState& step = state.steps[i];
        if (step.status == StepStatus::Retrying && step.next_attempt_at)
            timers.push_back({{Timer::Kind::Retry, i, step.attempts + 1}, *step.next_attempt_at});
        if (step.live && !step.stopping && step.deadline)
            timers.push_back({{Timer::Kind::AttemptTimeout, i, step.attempts}, *step.deadline});
        if (step.status == StepStatus::Waiting && step.deadline)
            timers.push_back({{Timer::Kind::SignalTimeout, i, 0}, *step.deadline});
    }
    return timers;
}

std::chrono::milliseconds backoff(const StepDefinition& step, int failed) {
    // initial × 2^(failed-1), capped; the doubling stops once past the cap, so it cannot overflow.
    auto delay = step.retry_initial;
    for (int n = 1; n < failed && delay < step.retry_max; ++n) delay *= 2;
    return std::min(delay, step.retry_max);
}

}  // namespace fleet::backend::workflows
