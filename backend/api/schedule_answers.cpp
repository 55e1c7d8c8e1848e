#include "backend/api/schedule_answers.hpp"

#include "common/http/error.hpp"
#include "common/json/time.hpp"

#include <boost/json/array.hpp>

namespace fleet::backend {

boost::json::object to_json(const ScheduleView& view, bool with_runs) {
    const schedules::Schedule& s = view.schedule;
    boost::json::array next;
    for (const auto t : view.next_run_times) next.emplace_back(to_iso8601(t));
    boost::json::object json{
        {"schedule_id", s.schedule_id},
        {"name", s.name},
        {"cron", s.cron},
        {"normalized_cron", schedules::to_string(s.expression)},
        {"timezone", s.timezone},
        {"overlap", schedules::to_string(s.overlap)},
        {"catchup", schedules::to_string(s.catchup)},
        {"paused", s.paused},
        {"workflow", workflows::to_json(*s.workflow)},
        {"next_run_at", json::iso8601_or_null(s.next_run_at)},
        {"next_run_times", std::move(next)},
        {"last_run_at", json::iso8601_or_null(s.last_run_at)},
        {"last_workflow_id", s.last_workflow_id.empty() ? boost::json::value(nullptr) : boost::json::value(s.last_workflow_id)},
        {"buffered_for", json::iso8601_or_null(s.buffered_for)},
        {"runs_started", s.runs_started},
        {"runs_skipped", s.runs_skipped},
        {"created_at", to_iso8601(s.created_at)},
        {"updated_at", to_iso8601(s.updated_at)},
    };
    if (with_runs) {
        boost::json::array runs;
        for (const auto& run : view.recent_runs) {
            runs.push_back(boost::json::object{{"workflow_id", run.state.workflow_id},
                                               {"scheduled_for", json::iso8601_or_null(run.state.scheduled_for)},
                                               {"status", workflows::to_string(run.state.status)},
                                               {"created_at", to_iso8601(run.state.created_at)}});
        }
        boost::json::array skipped;
        for (const auto& skip : view.skipped_runs) {
            skipped.push_back(boost::json::object{{"scheduled_for", to_iso8601(skip.scheduled_for)},
                                                  {"reason", skip.reason},
                                                  {"recorded_at", to_iso8601(skip.recorded_at)}});
        }
        json["recent_runs"] = std::move(runs);
        json["skipped_runs"] = std::move(skipped);
    }
    return json;
}

http::HttpResponse trigger_answer(const TriggerResult& result, const std::string& schedule_id) {
    using Kind = TriggerResult::Kind;
    boost::json::object answer{{"success", true}, {"schedule_id", schedule_id}};
    switch (result.kind) {
        case Kind::NotFound: return http::error_response(http::not_found("schedule '" + schedule_id + "' not found"));
        case Kind::Started:
            answer["outcome"] = "started";
            answer["workflow_id"] = result.workflow_id;
            break;
        case Kind::Skipped:
            answer["outcome"] = "skipped";
            answer["reason"] = result.reason;
            break;
        case Kind::Buffered: answer["outcome"] = "buffered"; break;
    }
    return http::HttpResponse::json(200, std::move(answer));
}

}  // namespace fleet::backend
