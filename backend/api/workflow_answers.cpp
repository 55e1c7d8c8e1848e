#include "backend/api/workflow_answers.hpp"

#include "common/http/error.hpp"
#include "common/json/text.hpp"
#include "common/json/time.hpp"

#include <boost/json/array.hpp>

namespace fleet::backend {
namespace {

using json::text_or_null;

using namespace workflows;

boost::json::object step_json(const WorkflowView& workflow, std::size_t i) {
    const StepDefinition& def = workflow.state.definition->steps[i];
    const StepState& step = workflow.state.steps[i];
    boost::json::array depends_on;
    for (const std::size_t d : def.depends_on) depends_on.emplace_back(workflow.state.definition->steps[d].name);
    const bool operation = def.kind == StepDefinition::Kind::Operation;
    boost::json::object json{
        {"name", def.name},
        {"kind", operation ? "operation" : "signal"},
        {"domain", operation ? boost::json::value(def.domain) : boost::json::value(nullptr)},
        {"signal", operation ? boost::json::value(nullptr) : boost::json::value(def.signal)},
        {"status", to_string(workflow.step_status[i])},
        {"depends_on", std::move(depends_on)},
        {"operation_id", text_or_null(step.operation_id)},
        {"attempts", step.attempts},
        {"error_message", text_or_null(step.error_message)},
        {"result", step.result},
        {"started_at", json::iso8601_or_null(step.started_at)},
        {"completed_at", json::iso8601_or_null(step.completed_at)},
        {"next_attempt_at", json::iso8601_or_null(step.next_attempt_at)},
    };
    return json;
}

}  // namespace

boost::json::object to_json(const WorkflowView& workflow, bool with_steps) {
    const WorkflowState& state = workflow.state;
    boost::json::object json{
        {"workflow_id", state.workflow_id},
        {"name", state.definition->name},
        {"status", to_string(state.status)},
        {"progress", workflow.progress},
    };
    if (with_steps) {
        json["inputs"] = state.definition->inputs;
        boost::json::array steps;
        for (std::size_t i = 0; i < state.steps.size(); ++i) steps.push_back(step_json(workflow, i));
        json["steps"] = std::move(steps);
    }
    json["recovery_attempts"] = state.recovery_attempts;
    json["max_recovery_attempts"] = state.definition->max_recovery_attempts;
    json["error_message"] = text_or_null(state.error_message);
    json["schedule_id"] = text_or_null(state.schedule_id);
    json["scheduled_for"] = json::iso8601_or_null(state.scheduled_for);
    json["created_at"] = to_iso8601(state.created_at);
    json["updated_at"] = to_iso8601(state.updated_at);
    json["started_at"] = json::iso8601_or_null(state.started_at);
    json["completed_at"] = json::iso8601_or_null(state.completed_at);
    return json;
}

http::HttpResponse signal_answer(const SignalOutcome& outcome, const std::string& workflow_id, const std::string& name) {
    using Kind = SignalOutcome::Kind;
    switch (outcome.kind) {
        case Kind::UnknownWorkflow:
        case Kind::UnknownSignal: return http::error_response(http::not_found(outcome.message));
        case Kind::Ended: return http::error_response(409, outcome.message);
        case Kind::Delivered:
        case Kind::Buffered:
        case Kind::Repeated: break;
    }
    boost::json::object answer{{"success", true},
                               {"workflow_id", workflow_id},
                               {"signal", name},
                               {"delivered", !outcome.step.empty()}};
    if (!outcome.step.empty()) answer["step"] = outcome.step;
    auto response = http::HttpResponse::json(200, std::move(answer));
    if (outcome.kind == Kind::Repeated) response.headers.emplace_back("Idempotent-Replayed", "true");
    return response;
}

http::HttpResponse control_answer(const ControlOutcome& outcome, const std::string& workflow_id) {
    using Kind = ControlOutcome::Kind;
    switch (outcome.kind) {
        case Kind::UnknownWorkflow: return http::error_response(http::not_found(outcome.message));
        case Kind::Refused: return http::error_response(409, outcome.message);
        case Kind::UnknownStep: return http::error_response(422, outcome.message);
        case Kind::Done: break;
    }
    boost::json::object answer{{"success", true},
                               {"workflow_id", workflow_id},
                               {"status", to_string(outcome.workflow->state.status)}};
    if (!outcome.reset_steps.empty()) {
        boost::json::array reset;
        for (const auto& step : outcome.reset_steps) reset.emplace_back(step);
        answer["reset_steps"] = std::move(reset);
        answer["recovery_attempts"] = outcome.workflow->state.recovery_attempts;
    }
    return http::HttpResponse::json(200, std::move(answer));
}

}  // namespace fleet::backend
