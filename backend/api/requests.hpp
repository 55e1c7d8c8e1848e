#pragma once

#include "backend/dispatch/start_request.hpp"
#include "backend/registry/registry.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <string>

// Request bodies of the backend API, validated; every failure is ApiError 400.
namespace fleet::backend {

Registration parse_registration(const boost::json::object& body);
// `completed_operations` of a registration or a goodbye: [{"operation_id", "status" (final),
// "result"?, "error_message"?, "completed_at"?}]; empty when absent.
boost::json::array parse_completed_operations(const boost::json::object& body);
// A goodbye's body (DELETE /api/v1/workers/{id}): empty, or {"completed_operations": [...]}.
boost::json::array parse_goodbye(const std::string& body);
StartRequest parse_start(std::string domain, boost::json::object body);

}  // namespace fleet::backend
