// Workflow definitions (backend/workflows/workflow_definition): the body of POST /api/v1/workflows.
// Invariants: parse_definition gives a definition or an error with a message
// (and throws nothing); a definition written with to_json, and also stored as
// text and read back, parses to the same definition.
#include "backend/workflows/workflow_definition.hpp"
#include "common/json/parse.hpp"
#include "common/json/text.hpp"
#include "tests/fuzz/fuzz_check.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using fleet::fuzz::check;
    using namespace fleet::backend::workflows;
    const std::string_view text(reinterpret_cast<const char*>(data), size);

    boost::system::error_code ec;
    const auto value = fleet::json::parse(text, ec);
    if (ec || !value.is_object()) return 0;
    const auto result = parse_definition(value.get_object());
    if (const auto* error = std::get_if<DefinitionError>(&result)) {
        check(!error->message.empty(), "a refused definition says why", text);
        return 0;
    }
    const auto& definition = std::get<WorkflowDefinition>(result);
    const auto written = to_json(definition);
    const auto again = parse_definition(written);
    const std::string written_text = fleet::json::to_text(written);
    check(std::holds_alternative<WorkflowDefinition>(again), "a written definition is accepted", written_text);
    check(std::get<WorkflowDefinition>(again) == definition, "a written definition reads back the same", written_text);

    const std::string stored = fleet::json::to_stored_text(written);
    const auto restored = fleet::json::parse(stored, ec);
    check(!ec && restored.is_object(), "a stored definition parses", stored);
    const auto reread = parse_definition(restored.get_object());
    check(std::holds_alternative<WorkflowDefinition>(reread), "a stored definition is accepted", stored);
    check(std::get<WorkflowDefinition>(reread) == definition, "a stored definition reads back the same", stored);
    return 0;
}
