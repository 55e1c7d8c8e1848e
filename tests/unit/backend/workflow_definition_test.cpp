#include "backend/workflows/workflow_definition.hpp"

#include "common/json/parse.hpp"
#include "common/json/text.hpp"

#include <boost/json/serialize.hpp>

#include <catch2/catch.hpp>

using namespace fleet::backend::workflows;
using namespace std::chrono_literals;
namespace bj = boost::json;

namespace {

// The example of DESIGN.md's "Workflows (backend)", as written there.
constexpr const char* kDesignExample = R"({"name": "prepare-and-backtest",
 "inputs": {"symbol": "AAPL"},
 "timeout_seconds": 3600,
 "max_recovery_attempts": 3,
 "steps": [
   {"name": "clean", "domain": "data-processing",
    "parameters": {"source_file": "/data/aapl.csv", "operations": ["clean"]},
    "max_retries": 2, "timeout_seconds": 600, "priority": 0, "requirements": {"cores": 2}},
   {"name": "approve", "signal": "approve", "depends_on": ["clean"], "timeout_seconds": 86400},
   {"name": "backtest", "domain": "backtests", "depends_on": ["approve"],
    "parameters": {"data_file": "${steps.clean.result.output_file}", "symbol": "${inputs.symbol}"}}]})";

// Read exactly, as the backend reads a request (Boost's own parse may be 1 ulp off for doubles).
bj::object object(std::string_view text) {
    boost::system::error_code ec;
    auto value = fleet::json::parse(text, ec);
    REQUIRE_FALSE(ec);
    return std::move(value.as_object());
}

std::variant<WorkflowDefinition, DefinitionError> parse(std::string_view text) { return parse_definition(object(text)); }

WorkflowDefinition accepted(std::string_view text) {
    auto result = parse(text);
    if (const auto* error = std::get_if<DefinitionError>(&result)) FAIL("refused: " << error->message);
    return std::get<WorkflowDefinition>(std::move(result));
}

DefinitionError refused(std::string_view text) {
    auto result = parse(text);
    if (std::holds_alternative<WorkflowDefinition>(result)) FAIL("accepted: " << text);
    return std::get<DefinitionError>(std::move(result));
}

// A workflow around `steps` (a JSON array's text).
std::string with_steps(std::string_view steps, std::string_view inputs = R"({"symbol": "AAPL"})") {
    return R"({"name": "wf", "inputs": )" + std::string(inputs) + R"(, "steps": )" + std::string(steps) + "}";
}

// A workflow of one operation step with `fields` (an object's members' text) added.
std::string one_step(std::string_view fields) {
    return with_steps(R"([{"name": "a", "domain": "echo")" + std::string(fields.empty() ? "" : ", ") +
                      std::string(fields) + "}]");
}

struct RefusalCase {
    std::string body;
    const char* message;  // a part of the message
    const char* step;     // the step named, "" for none
};

void check_refusals(const std::vector<RefusalCase>& cases, DefinitionError::Kind kind) {
    for (const auto& c : cases) {
        INFO(c.body);
        const auto error = refused(c.body);
        CHECK(error.kind == kind);
        CHECK_THAT(error.message, Catch::Contains(c.message));
        CHECK(error.step == c.step);
    }
}

}  // namespace

TEST_CASE("definition: the DESIGN.md example parses", "[workflow-definition]") {
    const auto d = accepted(kDesignExample);
    CHECK(d.name == "prepare-and-backtest");
    CHECK(d.inputs == object(R"({"symbol": "AAPL"})"));
    CHECK(d.timeout == std::chrono::milliseconds(3600s));
    CHECK(d.max_recovery_attempts == 3);
    REQUIRE(d.steps.size() == 3);

    const auto& clean = d.steps[0];
    CHECK(clean.name == "clean");
    CHECK(clean.kind == StepDefinition::Kind::Operation);
    CHECK(clean.domain == "data-processing");
    CHECK(clean.parameters == object(R"({"source_file": "/data/aapl.csv", "operations": ["clean"]})"));
    CHECK(clean.depends_on.empty());
    CHECK(clean.max_retries == 2);
    CHECK(clean.timeout == std::chrono::milliseconds(600s));
    CHECK(clean.priority == 0);
    CHECK(clean.requirements == object(R"({"cores": 2})"));
    CHECK(clean.idempotent);

    const auto& approve = d.steps[1];
    CHECK(approve.kind == StepDefinition::Kind::Signal);
    CHECK(approve.signal == "approve");
    CHECK(approve.domain.empty());
    CHECK(approve.depends_on == std::vector<std::size_t>{0});
    CHECK(approve.timeout == std::chrono::milliseconds(86400s));

    const auto& backtest = d.steps[2];
    CHECK(backtest.kind == StepDefinition::Kind::Operation);
    CHECK(backtest.domain == "backtests");
    CHECK(backtest.depends_on == std::vector<std::size_t>{1});
    // Templates stay as written: they are resolved when an attempt starts.
    CHECK(backtest.parameters.at("data_file") == "${steps.clean.result.output_file}");
    CHECK(backtest.parameters.at("symbol") == "${inputs.symbol}");
}

TEST_CASE("definition: defaults of everything optional", "[workflow-definition]") {
    const auto d = accepted(R"({"name": "w", "steps": [{"name": "a", "domain": "echo"}, {"name": "s", "signal": "go"}]})");
    CHECK(d.inputs.empty());
    CHECK_FALSE(d.timeout);
    CHECK(d.max_recovery_attempts == 3);
    const auto& a = d.steps[0];
    CHECK(a.parameters.empty());
    CHECK(a.depends_on.empty());
    CHECK(a.max_retries == 0);
    CHECK(a.retry_initial == 1s);
    CHECK(a.retry_max == 60s);
    CHECK_FALSE(a.timeout);
    CHECK(a.priority == 0);
    CHECK(a.requirements.empty());
    CHECK(a.idempotent);
    CHECK(d.steps[1].kind == StepDefinition::Kind::Signal);
    CHECK_FALSE(d.steps[1].timeout);
}

TEST_CASE("definition: null counts as absent", "[workflow-definition]") {
    const auto d = accepted(R"({"name": "w", "inputs": null, "timeout_seconds": null, "steps": [
        {"name": "a", "domain": "echo", "signal": null, "parameters": null, "max_retries": null, "depends_on": null},
        {"name": "s", "signal": "go", "domain": null, "priority": null}]})");
    CHECK(d.steps[0].kind == StepDefinition::Kind::Operation);
    CHECK(d.steps[1].kind == StepDefinition::Kind::Signal);
}

TEST_CASE("definition: every field of a step is read", "[workflow-definition]") {
    const auto d = accepted(one_step(R"("parameters": {"x": [1, 2]}, "max_retries": 5, "retry_initial_seconds": 0.25,
        "retry_max_seconds": 30, "timeout_seconds": 12.5, "priority": -7, "requirements": {"gpu": true},
        "idempotent": false)"));
    const auto& a = d.steps[0];
    CHECK(a.parameters == object(R"({"x": [1, 2]})"));
    CHECK(a.max_retries == 5);
    CHECK(a.retry_initial == 250ms);
    CHECK(a.retry_max == 30s);
    CHECK(a.timeout == 12500ms);
    CHECK(a.priority == -7);
    CHECK(a.requirements == object(R"({"gpu": true})"));
    CHECK_FALSE(a.idempotent);
}

TEST_CASE("definition: seconds become milliseconds, rounded to the nearest and at least 1", "[workflow-definition]") {
    struct Case {
        const char* seconds;
        std::chrono::milliseconds expected;
    };
    const Case cases[] = {
        {"1", 1000ms},         {"600", 600000ms},   {"0.5", 500ms},  {"2.0", 2000ms},
        {"0.0014", 1ms},       {"0.0016", 2ms},     {"0.0001", 1ms}, {"1e-9", 1ms},
        {"1.2346", 1235ms},    {"1e9", 1000000000000ms}, {"86400", 86400000ms},
    };
    for (const auto& c : cases) {
        INFO(c.seconds);
        const auto d = accepted(R"({"name": "w", "timeout_seconds": )" + std::string(c.seconds) +
                                R"(, "steps": [{"name": "a", "domain": "echo", "timeout_seconds": )" + c.seconds +
                                R"(, "retry_initial_seconds": )" + c.seconds + R"(, "retry_max_seconds": )" + c.seconds +
                                "}]}");
        CHECK(d.timeout == c.expected);
        CHECK(d.steps[0].timeout == c.expected);
        CHECK(d.steps[0].retry_initial == c.expected);
        CHECK(d.steps[0].retry_max == c.expected);
    }
}

TEST_CASE("definition: integers may be written as integral doubles", "[workflow-definition]") {
    const auto d = accepted(R"({"name": "w", "max_recovery_attempts": 0.0, "steps": [
        {"name": "a", "domain": "echo", "max_retries": 2.0, "priority": -3.0}]})");
    CHECK(d.max_recovery_attempts == 0);
    CHECK(d.steps[0].max_retries == 2);
    CHECK(d.steps[0].priority == -3);
    CHECK(accepted(one_step(R"("priority": 9223372036854775807)")).steps[0].priority == INT64_MAX);
    CHECK(accepted(one_step(R"("priority": -9223372036854775808)")).steps[0].priority == INT64_MIN);
    CHECK(accepted(one_step(R"("max_retries": 2147483647)")).steps[0].max_retries == 2147483647);
}

TEST_CASE("definition: depends_on may name steps listed later; indexes are stored", "[workflow-definition]") {
    const auto d = accepted(with_steps(R"([{"name": "report", "domain": "echo", "depends_on": ["b", "a"]},
                                          {"name": "b", "domain": "echo", "depends_on": ["a"]},
                                          {"name": "a", "domain": "echo"}])"));
    CHECK(d.steps[0].depends_on == std::vector<std::size_t>{1, 2});
    CHECK(d.steps[1].depends_on == std::vector<std::size_t>{2});
    CHECK(d.steps[2].depends_on.empty());
}

TEST_CASE("definition: a dependency named twice is stored once", "[workflow-definition]") {
    const auto d = accepted(with_steps(R"([{"name": "a", "domain": "echo"},
                                          {"name": "b", "domain": "echo", "depends_on": ["a", "a"]}])"));
    CHECK(d.steps[1].depends_on == std::vector<std::size_t>{0});
}

TEST_CASE("definition: step names of every allowed character and length", "[workflow-definition]") {
    const std::string longest(64, 'x');
    const auto d = accepted(with_steps(R"([{"name": "A-z_0-9", "domain": "echo"}, {"name": ")" + longest +
                                       R"(", "domain": "echo"}, {"name": "_", "signal": "go"}])"));
    CHECK(d.steps[0].name == "A-z_0-9");
    CHECK(d.steps[1].name == longest);
}

TEST_CASE("definition: templates may name inputs and ancestors, directly or through others", "[workflow-definition]") {
    const auto d = accepted(with_steps(R"([
        {"name": "d", "domain": "echo", "depends_on": ["c"],
         "parameters": {"x": ["${steps.a.result.rows.0}", {"y": "from ${steps.b.result} and ${steps.c.result.z}"}],
                        "s": "${inputs.symbol.sub.path}", "whole": "${steps.a.result}"}},
        {"name": "c", "signal": "go", "depends_on": ["b"]},
        {"name": "b", "domain": "echo", "depends_on": ["a"], "parameters": {"i": "${inputs.symbol}"}},
        {"name": "a", "domain": "echo"}])"));
    CHECK(d.steps.size() == 4);
}

TEST_CASE("definition: wrong types and unknown fields are BadType (400)", "[workflow-definition]") {
    const std::vector<RefusalCase> cases = {
        // The workflow's own fields.
        {R"({"steps": [{"name": "a", "domain": "echo"}]})", "missing required field 'name'", ""},
        {R"({"name": 7, "steps": [{"name": "a", "domain": "echo"}]})", "'name' must be a string", ""},
        {R"({"name": "", "steps": [{"name": "a", "domain": "echo"}]})", "'name' must not be empty", ""},
        {R"({"name": "w", "retries": 1, "steps": [{"name": "a", "domain": "echo"}]})", "unknown field 'retries'", ""},
        {R"({"name": "w", "inputs": [], "steps": [{"name": "a", "domain": "echo"}]})", "'inputs' must be an object", ""},
        {R"({"name": "w", "inputs": "AAPL", "steps": []})", "'inputs' must be an object", ""},
        {R"({"name": "w", "steps": {"a": {"domain": "echo"}}})", "'steps' must be an array", ""},
        {R"({"name": "w", "timeout_seconds": "60", "steps": []})", "'timeout_seconds' must be a number", ""},
        {R"({"name": "w", "timeout_seconds": 0, "steps": []})", "'timeout_seconds' must be a number of seconds above 0", ""},
        {R"({"name": "w", "timeout_seconds": -1, "steps": []})", "'timeout_seconds' must be a number of seconds above 0", ""},
        {R"({"name": "w", "timeout_seconds": 1e10, "steps": []})", "at most 1e9", ""},
        {R"({"name": "w", "max_recovery_attempts": -1, "steps": []})", "'max_recovery_attempts' must be an integer >= 0", ""},
        {R"({"name": "w", "max_recovery_attempts": 2.5, "steps": []})", "'max_recovery_attempts' must be an integer", ""},
        {R"({"name": "w", "max_recovery_attempts": "3", "steps": []})", "'max_recovery_attempts' must be an integer", ""},
        // A step's fields: the message says which step, by name when it has one.
        {with_steps(R"([1])"), "steps[0]: must be an object", ""},
        {with_steps(R"([{"name": "a", "domain": "echo"}, "b"])"), "steps[1]: must be an object", ""},
        {with_steps(R"([{"domain": "echo"}])"), "steps[0]: missing required field 'name'", ""},
        {with_steps(R"([{"name": 3, "domain": "echo"}])"), "steps[0]: 'name' must be a string", ""},
        {one_step(R"("retry": 3)"), "step 'a': unknown field 'retry'", "a"},
        {one_step(R"("Domain": "x")"), "unknown field 'Domain'", "a"},
        {with_steps(R"([{"name": "a", "domain": 5}])"), "'domain' must be a string", "a"},
        {with_steps(R"([{"name": "a", "signal": true}])"), "'signal' must be a string", "a"},
        {one_step(R"("parameters": [1])"), "'parameters' must be an object", "a"},
        {one_step(R"("parameters": "x=1")"), "'parameters' must be an object", "a"},
        {one_step(R"("depends_on": "b")"), "'depends_on' must be an array", "a"},
        {one_step(R"("depends_on": [0])"), "'depends_on' must be an array of step names", "a"},
        {one_step(R"("max_retries": -1)"), "'max_retries' must be an integer >= 0", "a"},
        {one_step(R"("max_retries": 2.5)"), "'max_retries' must be an integer", "a"},
        {one_step(R"("max_retries": "2")"), "'max_retries' must be an integer", "a"},
        {one_step(R"("max_retries": 2147483648)"), "'max_retries' must be an integer >= 0", "a"},
        {one_step(R"("retry_initial_seconds": 0)"), "'retry_initial_seconds' must be a number of seconds above 0", "a"},
        {one_step(R"("retry_initial_seconds": "1")"), "'retry_initial_seconds' must be a number", "a"},
        {one_step(R"("retry_max_seconds": -5)"), "'retry_max_seconds' must be a number of seconds above 0", "a"},
        {one_step(R"("timeout_seconds": false)"), "'timeout_seconds' must be a number", "a"},
        {one_step(R"("timeout_seconds": 0.0)"), "'timeout_seconds' must be a number of seconds above 0", "a"},
        {one_step(R"("priority": 1.5)"), "'priority' must be an integer", "a"},
        {one_step(R"("priority": "high")"), "'priority' must be an integer", "a"},
        {one_step(R"("priority": 9223372036854775808)"), "'priority' must be an integer", "a"},
        {one_step(R"("requirements": ["gpu"])"), "'requirements' must be an object", "a"},
        {one_step(R"("idempotent": "no")"), "'idempotent' must be true or false", "a"},
        {one_step(R"("idempotent": 0)"), "'idempotent' must be true or false", "a"},
    };
    check_refusals(cases, DefinitionError::Kind::BadType);
}

TEST_CASE("definition: a wrong type is reported before a bad graph", "[workflow-definition]") {
    // A cycle and an unknown dependency first, a wrong type in the last step.
    const auto error = refused(with_steps(R"([{"name": "a", "domain": "echo", "depends_on": ["b"]},
                                             {"name": "b", "domain": "echo", "depends_on": ["a", "zz"]},
                                             {"name": "c", "domain": "echo", "max_retries": "many"}])"));
    CHECK(error.kind == DefinitionError::Kind::BadType);
    CHECK(error.step == "c");
}

TEST_CASE("definition: a bad graph is Invalid (422) naming the step at fault", "[workflow-definition]") {
    const std::string too_long(65, 'x');
    const std::vector<RefusalCase> cases = {
        {with_steps("[]"), "at least one step", ""},
        {R"({"name": "w"})", "at least one step", ""},
        {R"({"name": "w", "steps": null})", "at least one step", ""},
        // Names.
        {with_steps(R"([{"name": "", "domain": "echo"}])"), "has a bad name", ""},
        {with_steps(R"([{"name": "a b", "domain": "echo"}])"), "has a bad name", "a b"},
        {with_steps(R"([{"name": "a.b", "domain": "echo"}])"), "has a bad name", "a.b"},
        {with_steps(R"([{"name": "a/b", "domain": "echo"}])"), "has a bad name", "a/b"},
        {with_steps(R"([{"name": "é", "domain": "echo"}])"), "has a bad name", "é"},
        {with_steps(R"([{"name": ")" + too_long + R"(", "domain": "echo"}])"), "has a bad name", too_long.c_str()},
        {with_steps(R"([{"name": "a", "domain": "echo"}, {"name": "b", "domain": "echo"}, {"name": "a", "signal": "s"}])"),
         "step 'a' is a duplicate", "a"},
        // Kinds.
        {with_steps(R"([{"name": "a"}])"), "has neither 'domain' nor 'signal'", "a"},
        {with_steps(R"([{"name": "a", "depends_on": [], "timeout_seconds": 5}])"), "has neither", "a"},
        {with_steps(R"([{"name": "a", "domain": "echo", "signal": "go"}])"), "has both 'domain' and 'signal'", "a"},
        {with_steps(R"([{"name": "a", "domain": ""}])"), "has a bad domain ''", "a"},
        {with_steps(R"([{"name": "a", "domain": "data processing"}])"), "has a bad domain", "a"},
        {with_steps(R"([{"name": "a", "domain": "a/b"}])"), "has a bad domain", "a"},
        {with_steps(R"([{"name": "a", "signal": ""}])"), "could never be sent", "a"},
        {with_steps(R"([{"name": "a", "signal": "go now"}])"), "could never be sent", "a"},
        // Operation fields on a signal step.
        {with_steps(R"([{"name": "s", "signal": "go", "max_retries": 1}])"), "'max_retries' is for operation steps", "s"},
        {with_steps(R"([{"name": "s", "signal": "go", "max_retries": 0}])"), "'max_retries' is for operation steps", "s"},
        {with_steps(R"([{"name": "s", "signal": "go", "retry_initial_seconds": 1}])"), "'retry_initial_seconds' is for", "s"},
        {with_steps(R"([{"name": "s", "signal": "go", "retry_max_seconds": 9}])"), "'retry_max_seconds' is for", "s"},
        {with_steps(R"([{"name": "s", "signal": "go", "priority": 5}])"), "'priority' is for operation steps", "s"},
        {with_steps(R"([{"name": "s", "signal": "go", "requirements": {}}])"), "'requirements' is for operation steps", "s"},
        {with_steps(R"([{"name": "s", "signal": "go", "parameters": {"a": 1}}])"), "'parameters' is for", "s"},
        {with_steps(R"([{"name": "s", "signal": "go", "idempotent": false}])"), "'idempotent' is for", "s"},
        // Dependencies.
        {with_steps(R"([{"name": "a", "domain": "echo", "depends_on": ["b"]}])"),
         "step 'a' depends on 'b', which is not a step of this workflow", "a"},
        {with_steps(R"([{"name": "a", "domain": "echo"}, {"name": "b", "signal": "go", "depends_on": ["a", "A"]}])"),
         "depends on 'A'", "b"},
        {with_steps(R"([{"name": "a", "domain": "echo", "depends_on": ["a"]}])"), "a cycle of dependencies: a -> a", "a"},
        {with_steps(R"([{"name": "a", "domain": "echo", "depends_on": ["b"]}, {"name": "b", "domain": "echo", "depends_on": ["a"]}])"),
         "step 'a' is on a cycle of dependencies: a -> b -> a", "a"},
        {with_steps(R"([{"name": "x", "domain": "echo", "depends_on": ["a"]},
                        {"name": "a", "domain": "echo", "depends_on": ["b"]},
                        {"name": "b", "signal": "go", "depends_on": ["c"]},
                        {"name": "c", "domain": "echo", "depends_on": ["x0", "a"]},
                        {"name": "x0", "domain": "echo"}])"),
         "a -> b -> c -> a", "a"},
        // Templates.
        {with_steps(R"([{"name": "a", "domain": "echo"}, {"name": "b", "domain": "echo", "parameters": {"f": "${steps.a.result.f}"}}])"),
         "step 'b' uses ${steps.a.result.f}, and 'a' is not a step it depends on", "b"},
        {with_steps(R"([{"name": "a", "domain": "echo", "parameters": {"f": "${steps.a.result}"}}])"),
         "uses ${steps.a.result}, and 'a' is not a step it depends on", "a"},
        {with_steps(R"([{"name": "a", "domain": "echo", "parameters": {"f": ["x", {"g": "at ${steps.nope.result.x}"}]}}])"),
         "and 'nope' is not a step it depends on", "a"},
        {with_steps(R"([{"name": "a", "domain": "echo", "parameters": {"f": "${steps.b.result}"}},
                        {"name": "b", "domain": "echo", "depends_on": ["a"]}])"),
         "'b' is not a step it depends on", "a"},
        {with_steps(R"([{"name": "a", "domain": "echo"}, {"name": "b", "domain": "echo"},
                        {"name": "c", "domain": "echo", "depends_on": ["a"], "parameters": {"f": "${steps.b.result}"}}])"),
         "'b' is not a step it depends on", "c"},
        {with_steps(R"([{"name": "a", "domain": "echo", "parameters": {"f": "${inputs.sym}"}}])"),
         "step 'a' uses ${inputs.sym}, and 'sym' is not in inputs", "a"},
        {with_steps(R"([{"name": "a", "domain": "echo", "parameters": {"f": "${inputs.symbol}"}}])", "{}"),
         "'symbol' is not in inputs", "a"},
        {with_steps(R"([{"name": "a", "domain": "echo", "parameters": {"f": "${inputs.symbol"}}])"),
         "step 'a' has a bad template", "a"},
        {with_steps(R"([{"name": "a", "domain": "echo", "parameters": {"f": ["${steps.a}"]}}])"), "has a bad template", "a"},
        {with_steps(R"([{"name": "a", "domain": "echo", "parameters": {"f": "${env.HOME}"}}])"), "has a bad template", "a"},
    };
    check_refusals(cases, DefinitionError::Kind::Invalid);
}

TEST_CASE("definition: step_index finds a step by name", "[workflow-definition]") {
    const auto d = accepted(kDesignExample);
    CHECK(d.step_index("clean") == 0u);
    CHECK(d.step_index("approve") == 1u);
    CHECK(d.step_index("backtest") == 2u);
    CHECK_FALSE(d.step_index("Clean"));
    CHECK_FALSE(d.step_index(""));
}

TEST_CASE("definition: to_json writes the store format", "[workflow-definition]") {
    const auto d = accepted(with_steps(R"([
        {"name": "b", "domain": "echo", "depends_on": ["a"], "retry_initial_seconds": 0.25, "timeout_seconds": 2.0},
        {"name": "a", "signal": "go", "timeout_seconds": 0.0004}])"));
    const auto json = to_json(d);
    CHECK(json == object(R"({"name": "wf", "inputs": {"symbol": "AAPL"}, "max_recovery_attempts": 3, "steps": [
        {"name": "b", "domain": "echo", "parameters": {}, "depends_on": ["a"], "timeout_seconds": 2,
         "max_retries": 0, "retry_initial_seconds": 0.25, "retry_max_seconds": 60, "priority": 0,
         "requirements": {}, "idempotent": true},
        {"name": "a", "signal": "go", "depends_on": [], "timeout_seconds": 0.001}]})"));
}

TEST_CASE("definition: parse_definition(to_json(d)) gives d back", "[workflow-definition]") {
    const std::string bodies[] = {
        kDesignExample,
        R"({"name": "w", "steps": [{"name": "only", "signal": "go"}]})",
        R"({"name": "all", "inputs": {"n": 1.5, "list": [1, "x", null], "o": {"p": 1.0}}, "timeout_seconds": 0.0015,
            "max_recovery_attempts": 0, "steps": [
              {"name": "z", "domain": "echo", "depends_on": ["y", "x"], "parameters": {"t": "${steps.x.result.a.0} ${inputs.n}",
               "f": 0.1, "big": 12345678901234, "neg": -2.5e-7}, "max_retries": 4, "retry_initial_seconds": 1.2345,
               "retry_max_seconds": 1e9, "timeout_seconds": 7.0, "priority": -9223372036854775808,
               "requirements": {"cores": 4, "gpu": true, "zone": "eu"}, "idempotent": false},
              {"name": "y", "signal": "approve-1", "depends_on": ["x"], "timeout_seconds": 86400.5},
              {"name": "x", "domain": "data_processing", "priority": 9223372036854775807}]})",
    };
    for (const auto& body : bodies) {
        INFO(body);
        const auto d = accepted(body);
        CHECK(accepted(bj::serialize(to_json(d))) == d);
        // Through the store's own text, as the backend keeps it.
        boost::system::error_code ec;
        const auto stored = fleet::json::parse(fleet::json::to_stored_text(to_json(d)), ec);
        REQUIRE_FALSE(ec);
        const auto again = parse_definition(stored.as_object());
        REQUIRE(std::holds_alternative<WorkflowDefinition>(again));
        CHECK(std::get<WorkflowDefinition>(again) == d);
        CHECK(to_json(std::get<WorkflowDefinition>(again)) == to_json(d));
    }
}

TEST_CASE("definition: definitions that differ are not equal", "[workflow-definition]") {
    const auto d = accepted(kDesignExample);
    auto other = d;
    other.steps[2].parameters["symbol"] = "MSFT";
    CHECK_FALSE(other == d);
    other = d;
    other.steps[0].timeout = 601s;
    CHECK_FALSE(other == d);
}
