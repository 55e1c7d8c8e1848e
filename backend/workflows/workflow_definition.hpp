#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace fleet::backend::workflows {

// One step of a workflow as submitted (POST /api/v1/workflows), validated.
struct StepDefinition {
    enum class Kind { Operation, Signal };

    std::string name;  // [A-Za-z0-9_-]{1,64}: it is part of its attempts' operation ids
    Kind kind = Kind::Operation;
    std::string domain;              // Operation: where its attempts start
    boost::json::object parameters;  // Operation: may hold templates, resolved when an attempt starts
    std::string signal;              // Signal: the name it waits for
    std::vector<std::size_t> depends_on;  // indexes of earlier-named steps (any order in the request)
    int max_retries = 0;
    std::chrono::milliseconds retry_initial{1000};
    std::chrono::milliseconds retry_max{60000};
    std::optional<std::chrono::milliseconds> timeout;  // of one attempt (Operation) or of the wait (Signal)
    std::int64_t priority = 0;
    boost::json::object requirements;
    bool idempotent = true;  // false: an attempt lost with its worker fails the step for a person to decide

    bool operator==(const StepDefinition&) const = default;
};

// A workflow's definition: what was submitted, checked. It never changes once
// the workflow exists.
struct WorkflowDefinition {
    std::string name;
    boost::json::object inputs;
    std::optional<std::chrono::milliseconds> timeout;  // of the whole run
    int max_recovery_attempts = 3;
    std::vector<StepDefinition> steps;  // in the order submitted

    // The index of the step called `name`, if any.
    std::optional<std::size_t> step_index(std::string_view name) const;

    bool operator==(const WorkflowDefinition&) const = default;
};

// Why a definition was refused. backend/api answers BadType with 400 and
// Invalid with 422; `step` names the step at fault, when one is.
struct DefinitionError {
    enum class Kind { BadType, Invalid };
    Kind kind = Kind::Invalid;
    std::string message;
    std::string step;
};

// Checks a submitted definition (the request's body) completely before anything
// is stored: types (BadType), then names, dependencies, cycles and templates
// (Invalid). Unknown fields are refused (BadType), so a misspelt option is not
// silently ignored.
std::variant<WorkflowDefinition, DefinitionError> parse_definition(const boost::json::object& body);

// The definition as JSON again (how it is stored; parse_definition reads it back).
boost::json::object to_json(const WorkflowDefinition& definition);

}  // namespace fleet::backend::workflows
