#pragma once

#include "backend/storage/workflow_repository.hpp"
#include "backend/workflows/workflow_definition.hpp"
#include "common/http/message.hpp"

#include <boost/json/value.hpp>

#include <memory>
#include <optional>
#include <string>

// Requests of the workflow API, validated; every failure is an ApiError.
namespace fleet::backend {

// POST /api/v1/workflows: the definition, checked whole (400 types, 422 the graph, naming the step).
std::shared_ptr<const workflows::WorkflowDefinition> parse_workflow_submission(const std::string& body);
// The same, of a definition inside another request (a schedule's `workflow`).
std::shared_ptr<const workflows::WorkflowDefinition> parse_workflow_definition(const boost::json::object& definition);

// POST .../signals/{name}: any JSON value, or no body (null).
boost::json::value parse_signal_payload(const std::string& body);

// POST .../recover: no body, or {"from_step"?}.
std::optional<std::string> parse_recover_from(const std::string& body);

// GET /api/v1/workflows?status=&name=&schedule_id=&limit=100&offset=0.
WorkflowQuery parse_workflow_query(const http::HttpRequest& request);

}  // namespace fleet::backend
