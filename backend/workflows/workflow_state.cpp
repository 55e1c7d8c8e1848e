#include "backend/workflows/workflow_state.hpp"

#include "common/enum_names.hpp"

#include <boost/json/array.hpp>

#include <algorithm>
#include <charconv>
#include <stdexcept>

namespace fleet::backend::workflows {
namespace {

constexpr EnumNames<WorkflowStatus, 7> kWorkflowStatus{{{
    {WorkflowStatus::Pending, "pending"},
    {WorkflowStatus::Running, "running"},
    {WorkflowStatus::Paused, "paused"},
    {WorkflowStatus::Completed, "completed"},
    {WorkflowStatus::Failed, "failed"},
    {WorkflowStatus::Cancelled, "cancelled"},
    {WorkflowStatus::Recovering, "recovering"},
}}};

constexpr EnumNames<StepStatus, 9> kStepStatus{{{
    {StepStatus::Pending, "pending"},
    {StepStatus::Queued, "queued"},
    {StepStatus::Running, "running"},
    {StepStatus::Waiting, "waiting"},
    {StepStatus::Retrying, "retrying"},
    {StepStatus::Completed, "completed"},
    {StepStatus::Failed, "failed"},
    {StepStatus::Skipped, "skipped"},
    {StepStatus::Cancelled, "cancelled"},
}}};

// Times are stored as milliseconds since the epoch; absent ones as null.
boost::json::value time_json(const std::optional<SystemTime>& t) {
    if (!t) return nullptr;
    return std::chrono::duration_cast<std::chrono::milliseconds>(t->time_since_epoch()).count();
}
std::optional<SystemTime> time_of(const boost::json::object& o, std::string_view key) {
    const auto* v = o.if_contains(key);
    if (!v || v->is_null()) return std::nullopt;
    return SystemTime{std::chrono::milliseconds{v->to_number<std::int64_t>()}};
}
boost::json::value index_json(const std::optional<std::size_t>& i) {
    if (!i) return nullptr;
    return static_cast<std::uint64_t>(*i);
}
std::optional<std::size_t> index_of(const boost::json::object& o, std::string_view key) {
    const auto* v = o.if_contains(key);
    if (!v || v->is_null()) return std::nullopt;
    return static_cast<std::size_t>(v->to_number<std::uint64_t>());
}
std::string text_of(const boost::json::object& o, std::string_view key) {
    const auto* v = o.if_contains(key);
    return v && v->is_string() ? std::string(v->get_string()) : std::string{};
}
int int_of(const boost::json::object& o, std::string_view key) {
    const auto* v = o.if_contains(key);
    return v ? v->to_number<int>() : 0;
}
bool bool_of(const boost::json::object& o, std::string_view key) {
    const auto* v = o.if_contains(key);
    return v && v->is_bool() && v->get_bool();
}

boost::json::object step_json(const StepState& s) {
    return {{"status", to_string(s.status)},
            {"attempts", s.attempts},
            {"failed_attempts", s.failed_attempts},
            {"operation_id", s.operation_id},
            {"live", s.live},
            {"stopping", s.stopping},
            {"timed_out", s.timed_out},
            {"result", s.result},
            {"error_message", s.error_message},
            {"started_at", time_json(s.started_at)},
            {"completed_at", time_json(s.completed_at)},
            {"next_attempt_at", time_json(s.next_attempt_at)},
            {"deadline", time_json(s.deadline)}};
}

StepState step_of(const boost::json::object& o) {
    StepState s;
    const auto status = parse_step_status(text_of(o, "status"));
    if (!status) throw std::runtime_error("stored workflow step has an unknown status");
    s.status = *status;
    s.attempts = int_of(o, "attempts");
    s.failed_attempts = int_of(o, "failed_attempts");
    s.operation_id = text_of(o, "operation_id");
    s.live = bool_of(o, "live");
    s.stopping = bool_of(o, "stopping");
    s.timed_out = bool_of(o, "timed_out");
    if (const auto* r = o.if_contains("result")) s.result = *r;
    s.error_message = text_of(o, "error_message");
    s.started_at = time_of(o, "started_at");
    s.completed_at = time_of(o, "completed_at");
    s.next_attempt_at = time_of(o, "next_attempt_at");
    s.deadline = time_of(o, "deadline");
    return s;
}

}  // namespace

std::string_view to_string(WorkflowStatus status) { return kWorkflowStatus(status); }
std::optional<WorkflowStatus> parse_workflow_status(std::string_view text) { return kWorkflowStatus.parse(text); }
bool is_terminal(WorkflowStatus status) {
    return status == WorkflowStatus::Completed || status == WorkflowStatus::Failed ||
           status == WorkflowStatus::Cancelled;
}
std::string_view to_string(StepStatus status) { return kStepStatus(status); }
std::optional<StepStatus> parse_step_status(std::string_view text) { return kStepStatus.parse(text); }

bool WorkflowState::any_live() const {
    return std::any_of(steps.begin(), steps.end(), [](const StepState& s) { return s.live; });
}

bool WorkflowState::settled() const { return is_terminal(status) && !any_live(); }

WorkflowState new_workflow(std::string workflow_id, std::shared_ptr<const WorkflowDefinition> definition,
                           SystemTime now) {
    WorkflowState state;
    state.workflow_id = std::move(workflow_id);
    state.steps.resize(definition->steps.size());
    state.definition = std::move(definition);
    state.created_at = now;
    state.updated_at = now;
    return state;
}

std::string attempt_operation_id(std::string_view workflow_id, std::string_view step, int attempt) {
    std::string id;
    id.reserve(workflow_id.size() + step.size() + 8);
    id.append(workflow_id).append(".").append(step).append(".a").append(std::to_string(attempt));
    return id;
}

std::optional<AttemptOf> attempt_of(std::string_view operation_id) {
    // Workflow ids have no dot and step names have none: the two dots are the separators.
    if (!operation_id.starts_with("wf_")) return std::nullopt;
    const auto first = operation_id.find('.');
    if (first == std::string_view::npos) return std::nullopt;
    const auto second = operation_id.find('.', first + 1);
    if (second == std::string_view::npos || second + 2 >= operation_id.size()) return std::nullopt;
    if (operation_id[second + 1] != 'a') return std::nullopt;
    AttemptOf attempt;
    const auto digits = operation_id.substr(second + 2);
    const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), attempt.attempt);
    if (error != std::errc{} || end != digits.data() + digits.size() || attempt.attempt < 1) return std::nullopt;
    attempt.workflow_id = std::string(operation_id.substr(0, first));
    attempt.step = std::string(operation_id.substr(first + 1, second - first - 1));
    if (attempt.step.empty()) return std::nullopt;
    return attempt;
}

boost::json::object to_json(const WorkflowState& state) {
    boost::json::array steps;
    for (const auto& step : state.steps) steps.push_back(step_json(step));
    boost::json::array signals;
    for (const auto& signal : state.signals) {
        signals.push_back(boost::json::object{{"name", signal.name},
                                              {"payload", signal.payload},
                                              {"idempotency_key", signal.idempotency_key},
                                              {"received_at", time_json(signal.received_at)},
                                              {"step", signal.step}});
    }
    return {{"status", to_string(state.status)},
            {"steps", std::move(steps)},
            {"signals", std::move(signals)},
            {"recovery_attempts", state.recovery_attempts},
            {"recovering_from", index_json(state.recovering_from)},
            {"error_message", state.error_message},
            {"failed_step", index_json(state.failed_step)},
            {"schedule_id", state.schedule_id},
            {"scheduled_for", time_json(state.scheduled_for)},
            {"created_at", time_json(state.created_at)},
            {"updated_at", time_json(state.updated_at)},
            {"started_at", time_json(state.started_at)},
            {"completed_at", time_json(state.completed_at)},
            {"deadline", time_json(state.deadline)}};
}

WorkflowState state_from_json(std::string workflow_id, std::shared_ptr<const WorkflowDefinition> definition,
                              const boost::json::object& stored) {
    WorkflowState state;
    state.workflow_id = std::move(workflow_id);
    const auto status = parse_workflow_status(text_of(stored, "status"));
    if (!status) throw std::runtime_error("stored workflow " + state.workflow_id + " has an unknown status");
    state.status = *status;
    const auto* steps = stored.if_contains("steps");
    if (!steps || !steps->is_array() || steps->get_array().size() != definition->steps.size())
        throw std::runtime_error("stored workflow " + state.workflow_id + " has steps unlike its definition");
    for (const auto& step : steps->get_array()) state.steps.push_back(step_of(step.as_object()));
    if (const auto* signals = stored.if_contains("signals"); signals && signals->is_array()) {
        for (const auto& s : signals->get_array()) {
            const auto& o = s.as_object();
            SignalRecord signal{text_of(o, "name"), o.contains("payload") ? o.at("payload") : boost::json::value{},
                                text_of(o, "idempotency_key"), time_of(o, "received_at").value_or(SystemTime{}),
                                text_of(o, "step")};
            state.signals.push_back(std::move(signal));
        }
    }
    state.definition = std::move(definition);
    state.recovery_attempts = int_of(stored, "recovery_attempts");
    state.recovering_from = index_of(stored, "recovering_from");
    state.error_message = text_of(stored, "error_message");
    state.failed_step = index_of(stored, "failed_step");
    state.schedule_id = text_of(stored, "schedule_id");
    state.scheduled_for = time_of(stored, "scheduled_for");
    state.created_at = time_of(stored, "created_at").value_or(SystemTime{});
    state.updated_at = time_of(stored, "updated_at").value_or(SystemTime{});
    state.started_at = time_of(stored, "started_at");
    state.completed_at = time_of(stored, "completed_at");
    state.deadline = time_of(stored, "deadline");
    return state;
}

}  // namespace fleet::backend::workflows
