#include "backend/api/schedule_requests.hpp"

#include "backend/api/workflow_requests.hpp"
#include "backend/schedules/next_times.hpp"
#include "backend/schedules/time_zone.hpp"
#include "common/http/error.hpp"
#include "common/http/query.hpp"
#include "common/json/fields.hpp"
#include "common/json/time.hpp"

namespace fleet::backend {
namespace {

using namespace schedules;

constexpr std::size_t kMaxPreview = 100;

[[noreturn]] void refuse(const CronError& error) {
    const std::string what = error.field == "timezone" ? "'timezone'" : "'cron' (" + error.field + ")";
    throw http::ApiError(400, what + ": " + error.message, {{"field", error.field}});
}

CronExpression cron_of(const std::string& text) {
    auto parsed = parse_cron(text);
    if (auto* error = std::get_if<CronError>(&parsed)) refuse(*error);
    return std::get<CronExpression>(parsed);
}

const date::time_zone* zone_of(const std::string& name) {
    auto zone = find_zone(name);
    if (auto* error = std::get_if<CronError>(&zone)) refuse(*error);
    return std::get<const date::time_zone*>(zone);
}

}  // namespace

Schedule parse_schedule_request(const std::string& body) {
    const auto request = json::parse_object(body);
    json::reject_unknown_fields(request, {"name", "cron", "timezone", "workflow", "overlap", "catchup", "paused"});
    Schedule schedule;
    schedule.name = json::required_string(request, "name");
    json::require(!schedule.name.empty() && schedule.name.size() <= 200, "name", "must be 1 to 200 characters");
    schedule.cron = json::required_string(request, "cron");
    schedule.expression = cron_of(schedule.cron);
    schedule.timezone = json::optional_string(request, "timezone").value_or(std::string(kDefaultTimeZone));
    schedule.zone = zone_of(schedule.timezone);
    if (auto overlap = json::optional_string(request, "overlap")) {
        const auto parsed = parse_overlap(*overlap);
        json::require(parsed.has_value(), "overlap", "must be one of skip, buffer_one, allow");
        schedule.overlap = *parsed;
    }
    if (auto catchup = json::optional_string(request, "catchup")) {
        const auto parsed = parse_catchup(*catchup);
        json::require(parsed.has_value(), "catchup", "must be one of none, one, all");
        schedule.catchup = *parsed;
    }
    schedule.paused = json::optional_bool(request, "paused").value_or(false);
    const auto* workflow = json::optional_object(request, "workflow");
    json::require(workflow != nullptr, "workflow", "is required: a workflow definition, as POST /api/v1/workflows takes");
    schedule.workflow = parse_workflow_definition(*workflow);
    return schedule;
}

Preview preview_schedule(const http::HttpRequest& request, SystemTime now) {
    const auto cron = http::query_text(request, "cron");
    if (!cron) throw http::bad_request("query parameter 'cron' is required");
    const auto expression = cron_of(*cron);
    const auto timezone = http::query_text(request, "timezone").value_or(std::string(kDefaultTimeZone));
    const auto* zone = zone_of(timezone);
    auto from = now;
    if (auto text = http::query_text(request, "from")) {
        const auto parsed = json::parse_iso8601(*text);
        if (!parsed) throw http::bad_request("query parameter 'from' must be an ISO 8601 time, e.g. 2027-03-26T00:00:00Z");
        from = *parsed;
    }
    const auto count = http::query_size(request, "count", 5, kMaxPreview);
    if (count == 0) throw http::bad_request("query parameter 'count' must be from 1 to 100");
    // `@every` counts from `from` here: a schedule counts from its creation.
    return {to_string(expression), timezone, next_times(expression, *zone, from, count, from)};
}

}  // namespace fleet::backend
