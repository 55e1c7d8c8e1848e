#include "backend/workflows/workflow_definition.hpp"

#include "backend/workflows/templates.hpp"
#include "common/http/error.hpp"
#include "common/ids.hpp"
#include "common/json/fields.hpp"

#include <boost/json/array.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <unordered_map>
#include <utility>

namespace fleet::backend::workflows {
namespace {

namespace bj = boost::json;
using std::chrono::milliseconds;

// Longer than anything waits for a step (about 31 years), and short enough
// that now + a timeout fits in every clock's time_point.
constexpr double kMaxSeconds = 1e9;

// Fields that only mean something to an operation step: on a signal step they
// are a mistake worth naming, not something to ignore.
constexpr std::array<std::string_view, 7> kOperationOnlyFields{
    "parameters", "max_retries", "retry_initial_seconds", "retry_max_seconds", "priority", "requirements", "idempotent"};

// What reading a step learns that its StepDefinition has no room for, kept
// until the step is checked against the others.
struct StepExtras {
    bool has_domain = false;
    bool has_signal = false;
    std::vector<std::string> depends_on;
    std::vector<std::string_view> operation_fields;  // those present
};

struct Draft {
    WorkflowDefinition definition;
    std::vector<StepExtras> extras;  // one per step
};

using NameIndex = std::unordered_map<std::string_view, std::size_t>;

DefinitionError invalid(const std::string& step, const std::string& message) {
    return {DefinitionError::Kind::Invalid, "step '" + step + "' " + message, step};
}

// The fields helpers treat null as absent; so does this.
bool present(const bj::object& obj, std::string_view key) {
    const auto* value = obj.if_contains(key);
    return value && !value->is_null();
}

std::optional<milliseconds> optional_seconds(const bj::object& obj, std::string_view key) {
    const auto seconds = json::optional_number(obj, key);
    if (!seconds) return std::nullopt;
    json::require(*seconds > 0 && *seconds <= kMaxSeconds, key, "must be a number of seconds above 0 (at most 1e9)");
    return std::max(milliseconds(1), milliseconds(std::llround(*seconds * 1000)));
}

int optional_count(const bj::object& obj, std::string_view key, int fallback) {
    const auto count = json::optional_int(obj, key);
    if (!count) return fallback;
    json::require(*count >= 0 && *count <= std::numeric_limits<int>::max(), key, "must be an integer >= 0");
    return static_cast<int>(*count);
}

bj::object object_or_empty(const bj::object& obj, std::string_view key) {
    const auto* found = json::optional_object(obj, key);
    return found ? *found : bj::object{};
}

// Throws http::ApiError(400) on a wrong type or an unknown field.
StepExtras read_step(const bj::object& obj, StepDefinition& step) {
    json::reject_unknown_fields(obj, {"name", "domain", "parameters", "signal", "depends_on", "max_retries",
                                      "retry_initial_seconds", "retry_max_seconds", "timeout_seconds", "priority",
                                      "requirements", "idempotent"});
    StepExtras extras;
    step.name = json::required_string(obj, "name");
    const auto domain = json::optional_string(obj, "domain");
    const auto signal = json::optional_string(obj, "signal");
    extras.has_domain = domain.has_value();
    extras.has_signal = signal.has_value();
    step.kind = extras.has_signal && !extras.has_domain ? StepDefinition::Kind::Signal : StepDefinition::Kind::Operation;
    step.domain = domain.value_or("");
    step.signal = signal.value_or("");
    step.parameters = object_or_empty(obj, "parameters");
    if (const auto* names = json::optional_array(obj, "depends_on")) {
        for (const auto& name : *names) {
            if (!name.is_string()) throw http::bad_request("'depends_on' must be an array of step names");
            extras.depends_on.emplace_back(name.get_string());
        }
    }
    step.max_retries = optional_count(obj, "max_retries", step.max_retries);
    step.retry_initial = optional_seconds(obj, "retry_initial_seconds").value_or(step.retry_initial);
    step.retry_max = optional_seconds(obj, "retry_max_seconds").value_or(step.retry_max);
    step.timeout = optional_seconds(obj, "timeout_seconds");
    step.priority = json::optional_int(obj, "priority").value_or(step.priority);
    step.requirements = object_or_empty(obj, "requirements");
    step.idempotent = json::optional_bool(obj, "idempotent").value_or(step.idempotent);
    for (auto field : kOperationOnlyFields) {
        if (present(obj, field)) extras.operation_fields.push_back(field);
    }
    return extras;
}

// Every type check, so that a 400 comes before any 422.
std::variant<Draft, DefinitionError> read(const bj::object& body) {
    Draft draft;
    auto& definition = draft.definition;
    std::string at;       // where the error is, for its message
    std::string at_step;  // the step named there, if it has a name
    try {
        json::reject_unknown_fields(body, {"name", "inputs", "timeout_seconds", "max_recovery_attempts", "steps"});
        definition.name = json::required_string(body, "name");
        json::require(!definition.name.empty(), "name", "must not be empty");
        definition.inputs = object_or_empty(body, "inputs");
        definition.timeout = optional_seconds(body, "timeout_seconds");
        definition.max_recovery_attempts = optional_count(body, "max_recovery_attempts", definition.max_recovery_attempts);
        if (const auto* steps = json::optional_array(body, "steps")) {
            for (std::size_t i = 0; i < steps->size(); ++i) {
                const auto& value = (*steps)[i];
                at = "steps[" + std::to_string(i) + "]";
                at_step.clear();
                if (!value.is_object()) throw http::bad_request("must be an object");
                if (const auto* name = value.get_object().if_contains("name"); name && name->is_string()) {
                    at_step = name->get_string();
                    at = "step '" + at_step + "'";
                }
                draft.extras.push_back(read_step(value.get_object(), definition.steps.emplace_back()));
            }
        }
    } catch (const http::ApiError& error) {
        return DefinitionError{DefinitionError::Kind::BadType, at.empty() ? error.what() : at + ": " + error.what(),
                               at_step};
    }
    return draft;
}

bool is_step_name(std::string_view name) {
    return !name.empty() && name.size() <= 64 && std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    });
}

std::optional<DefinitionError> check_alone(const StepDefinition& step, const StepExtras& extras) {
    if (!is_step_name(step.name)) {
        return invalid(step.name, "has a bad name: a step name is 1 to 64 of A-Z a-z 0-9 _ - (it is part of operation ids)");
    }
    if (extras.has_domain == extras.has_signal) {
        return invalid(step.name, std::string(extras.has_domain ? "has both 'domain' and 'signal'"
                                                                : "has neither 'domain' nor 'signal'") +
                                      ": an operation step has a domain, a signal step a signal");
    }
    // Both end up in URL paths (a worker's start, a signal's delivery), where only plain names fit.
    if (extras.has_domain && !is_plain_id(step.domain)) {
        return invalid(step.name, "has a bad domain '" + step.domain + "': it must match [A-Za-z0-9_.:-]{1,128}");
    }
    if (extras.has_signal && !is_plain_id(step.signal)) {
        return invalid(step.name, "waits for signal '" + step.signal +
                                      "', which could never be sent: a signal name must match [A-Za-z0-9_.:-]{1,128}");
    }
    if (extras.has_signal && !extras.operation_fields.empty()) {
        return invalid(step.name, "is a signal step, and '" + std::string(extras.operation_fields.front()) +
                                      "' is for operation steps only");
    }
    return std::nullopt;
}

// Names the steps (refusing duplicates) and turns depends_on names into indexes.
std::optional<DefinitionError> link(std::vector<StepDefinition>& steps, const std::vector<StepExtras>& extras,
                                    NameIndex& index) {
    for (std::size_t i = 0; i < steps.size(); ++i) {
        if (!index.emplace(steps[i].name, i).second) {
            return invalid(steps[i].name, "is a duplicate: two steps have that name");
        }
    }
    for (std::size_t i = 0; i < steps.size(); ++i) {
        for (const auto& name : extras[i].depends_on) {
            const auto found = index.find(name);
            if (found == index.end()) {
                return invalid(steps[i].name, "depends on '" + name + "', which is not a step of this workflow");
            }
            auto& depends_on = steps[i].depends_on;
            if (std::find(depends_on.begin(), depends_on.end(), found->second) == depends_on.end()) {
                depends_on.push_back(found->second);
            }
        }
    }
    return std::nullopt;
}

// Depth first along depends_on; meeting a step that is still on the path closes a cycle.
std::optional<DefinitionError> find_cycle(const std::vector<StepDefinition>& steps) {
    enum class Mark : unsigned char { New, OnPath, Done };
    std::vector<Mark> marks(steps.size(), Mark::New);
    std::vector<std::pair<std::size_t, std::size_t>> path;  // a step and the next of its dependencies to follow
    for (std::size_t root = 0; root < steps.size(); ++root) {
        if (marks[root] != Mark::New) continue;
        marks[root] = Mark::OnPath;
        path.emplace_back(root, 0);
        while (!path.empty()) {
            auto& [at, next] = path.back();
            if (next == steps[at].depends_on.size()) {
                marks[at] = Mark::Done;
                path.pop_back();
                continue;
            }
            const auto dependency = steps[at].depends_on[next++];
            if (marks[dependency] == Mark::New) {
                marks[dependency] = Mark::OnPath;
                path.emplace_back(dependency, 0);
            } else if (marks[dependency] == Mark::OnPath) {
                auto step = std::find_if(path.begin(), path.end(), [&](const auto& p) { return p.first == dependency; });
                std::string cycle;
                for (; step != path.end(); ++step) cycle += steps[step->first].name + " -> ";
                return invalid(steps[dependency].name,
                               "is on a cycle of dependencies: " + cycle + steps[dependency].name);
            }
        }
    }
    return std::nullopt;
}

std::vector<bool> ancestors_of(const std::vector<StepDefinition>& steps, std::size_t step) {
    std::vector<bool> ancestors(steps.size(), false);
    std::vector<std::size_t> to_visit(steps[step].depends_on);
    while (!to_visit.empty()) {
        const auto at = to_visit.back();
        to_visit.pop_back();
        if (ancestors[at]) continue;
        ancestors[at] = true;
        to_visit.insert(to_visit.end(), steps[at].depends_on.begin(), steps[at].depends_on.end());
    }
    return ancestors;
}

// A template may only read what is sure to exist when its step starts: an
// input, or the result of a step that must complete first.
std::optional<DefinitionError> check_templates(const WorkflowDefinition& definition, const NameIndex& index) {
    const auto& steps = definition.steps;
    for (std::size_t i = 0; i < steps.size(); ++i) {
        const auto& step = steps[i];
        auto found = find_templates(bj::value(step.parameters));
        if (const auto* error = std::get_if<std::string>(&found)) {
            return invalid(step.name, "has a bad template " + *error);
        }
        std::optional<std::vector<bool>> ancestors;  // worked out at its first step template
        for (const auto& ref : std::get<std::vector<TemplateRef>>(found)) {
            if (ref.source == TemplateRef::Source::Inputs) {
                if (!definition.inputs.contains(ref.path.front())) {
                    return invalid(step.name, "uses " + ref.text + ", and '" + ref.path.front() + "' is not in inputs");
                }
                continue;
            }
            if (!ancestors) ancestors = ancestors_of(steps, i);
            const auto named = index.find(ref.step);
            if (named == index.end() || !(*ancestors)[named->second]) {
                return invalid(step.name, "uses " + ref.text + ", and '" + ref.step +
                                              "' is not a step it depends on (directly or through others)");
            }
        }
    }
    return std::nullopt;
}

// Whole seconds stay integers, so that a stored definition reads as it was written.
bj::value seconds_json(milliseconds duration) {
    if (duration.count() % 1000 == 0) return bj::value(duration.count() / 1000);
    return bj::value(static_cast<double>(duration.count()) / 1000.0);
}

bj::object step_json(const StepDefinition& step, const std::vector<StepDefinition>& steps) {
    bj::array depends_on;
    for (const auto i : step.depends_on) depends_on.emplace_back(steps[i].name);

    bj::object out;
    out["name"] = step.name;
    if (step.kind == StepDefinition::Kind::Signal) {
        out["signal"] = step.signal;
    } else {
        out["domain"] = step.domain;
        out["parameters"] = step.parameters;
    }
    out["depends_on"] = std::move(depends_on);
    if (step.timeout) out["timeout_seconds"] = seconds_json(*step.timeout);
    if (step.kind == StepDefinition::Kind::Signal) return out;

    out["max_retries"] = step.max_retries;
    out["retry_initial_seconds"] = seconds_json(step.retry_initial);
    out["retry_max_seconds"] = seconds_json(step.retry_max);
    out["priority"] = step.priority;
    out["requirements"] = step.requirements;
    out["idempotent"] = step.idempotent;
    return out;
}

}  // namespace

std::optional<std::size_t> WorkflowDefinition::step_index(std::string_view name) const {
    const auto found = std::find_if(steps.begin(), steps.end(), [&](const auto& step) { return step.name == name; });
    if (found == steps.end()) return std::nullopt;
    return static_cast<std::size_t>(found - steps.begin());
}

std::variant<WorkflowDefinition, DefinitionError> parse_definition(const bj::object& body) {
    auto read_result = read(body);
    if (auto* error = std::get_if<DefinitionError>(&read_result)) return std::move(*error);
    auto& [definition, extras] = std::get<Draft>(read_result);
    auto& steps = definition.steps;

    if (steps.empty()) return DefinitionError{DefinitionError::Kind::Invalid, "a workflow needs at least one step", ""};
    for (std::size_t i = 0; i < steps.size(); ++i) {
        if (auto error = check_alone(steps[i], extras[i])) return std::move(*error);
    }
    NameIndex index;  // views the steps' names: `steps` must not change size below
    if (auto error = link(steps, extras, index)) return std::move(*error);
    if (auto error = find_cycle(steps)) return std::move(*error);
    if (auto error = check_templates(definition, index)) return std::move(*error);
    return std::move(definition);
}

bj::object to_json(const WorkflowDefinition& definition) {
    bj::array steps;
    for (const auto& step : definition.steps) steps.emplace_back(step_json(step, definition.steps));

    bj::object out;
    out["name"] = definition.name;
    out["inputs"] = definition.inputs;
    if (definition.timeout) out["timeout_seconds"] = seconds_json(*definition.timeout);
    out["max_recovery_attempts"] = definition.max_recovery_attempts;
    out["steps"] = std::move(steps);
    return out;
}

}  // namespace fleet::backend::workflows
