#pragma once

#include "backend/schedules/schedule.hpp"
#include "common/http/message.hpp"

#include <cstddef>
#include <string>
#include <vector>

// Requests of the schedule API, validated; every failure is an ApiError.
namespace fleet::backend {

// POST /api/v1/schedules: {"name", "cron", "timezone"?, "workflow", "overlap"?,
// "catchup"?, "paused"?}. 400 for types, unknown fields, a bad cron or zone
// (naming the field); the workflow as POST /api/v1/workflows checks it.
schedules::Schedule parse_schedule_request(const std::string& body);

// GET /api/v1/schedules/preview?cron=&timezone=&from=&count=5: the due times.
struct Preview {
    std::string cron;  // normalised
    std::string timezone;
    std::vector<SystemTime> next_run_times;
};
Preview preview_schedule(const http::HttpRequest& request, SystemTime now);

}  // namespace fleet::backend
