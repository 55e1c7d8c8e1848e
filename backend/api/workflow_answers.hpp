#pragma once

#include "backend/workflows/workflow_engine.hpp"
#include "common/http/message.hpp"

#include <boost/json/object.hpp>

namespace fleet::backend {

// A workflow in the API's words: every field of GET /api/v1/workflows/{id},
// or, for a list (`with_steps` false), all but `steps` and `inputs`.
boost::json::object to_json(const WorkflowView& workflow, bool with_steps);

http::HttpResponse signal_answer(const SignalOutcome& outcome, const std::string& workflow_id, const std::string& name);
http::HttpResponse control_answer(const ControlOutcome& outcome, const std::string& workflow_id);

}  // namespace fleet::backend
