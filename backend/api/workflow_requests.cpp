#include "backend/api/workflow_requests.hpp"

#include "common/http/error.hpp"
#include "common/http/query.hpp"
#include "common/json/fields.hpp"
#include "common/json/parse.hpp"

#include <variant>

namespace fleet::backend {
namespace {

constexpr std::size_t kMaxWorkflowsPage = 1000;

}  // namespace

std::shared_ptr<const workflows::WorkflowDefinition> parse_workflow_submission(const std::string& body) {
    return parse_workflow_definition(json::parse_object(body));
}

std::shared_ptr<const workflows::WorkflowDefinition> parse_workflow_definition(const boost::json::object& definition) {
    auto parsed = workflows::parse_definition(definition);
    if (auto* error = std::get_if<workflows::DefinitionError>(&parsed)) {
        const int status = error->kind == workflows::DefinitionError::Kind::BadType ? 400 : 422;
        boost::json::object extra;
        if (!error->step.empty()) extra["step"] = error->step;
        throw http::ApiError(status, error->message, std::move(extra));
    }
    return std::make_shared<const workflows::WorkflowDefinition>(
        std::move(std::get<workflows::WorkflowDefinition>(parsed)));
}

boost::json::value parse_signal_payload(const std::string& body) {
    if (body.find_first_not_of(" \t\r\n") == std::string::npos) return nullptr;
    boost::system::error_code ec;
    auto payload = json::parse(body, ec);
    if (ec) throw http::bad_request("malformed JSON: " + ec.message());
    return payload;
}

std::optional<std::string> parse_recover_from(const std::string& body) {
    const auto request = json::parse_object(body, true);
    json::reject_unknown_fields(request, {"from_step"});
    return json::optional_string(request, "from_step");
}

WorkflowQuery parse_workflow_query(const http::HttpRequest& request) {
    WorkflowQuery query;
    if (auto status = http::query_text(request, "status")) {
        query.status = workflows::parse_workflow_status(*status);
        if (!query.status)
            throw http::bad_request("query parameter 'status' must be one of pending, running, paused, completed, "
                                    "failed, cancelled, recovering");
    }
    query.name = http::query_text(request, "name");
    query.schedule_id = http::query_text(request, "schedule_id");
    query.limit = http::query_size(request, "limit", 100, kMaxWorkflowsPage);
    if (query.limit == 0) throw http::bad_request("query parameter 'limit' must be from 1 to 1000");
    query.offset = http::query_size(request, "offset", 0, 1'000'000'000);
    return query;
}

}  // namespace fleet::backend
