#pragma once

#include "backend/schedules/scheduler.hpp"
#include "common/http/message.hpp"

#include <boost/json/object.hpp>

namespace fleet::backend {

// A schedule in the API's words: every field of GET /api/v1/schedules/{id},
// or, for a list (`with_runs` false), all but `recent_runs` and `skipped_runs`.
boost::json::object to_json(const ScheduleView& schedule, bool with_runs);

http::HttpResponse trigger_answer(const TriggerResult& result, const std::string& schedule_id);

}  // namespace fleet::backend
