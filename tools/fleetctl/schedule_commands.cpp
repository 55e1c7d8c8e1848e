// fleetctl schedules: list, get, create, pause, resume, trigger, delete, preview (proto_docs/schedules.md).
#include "tools/fleetctl/command_table.hpp"
#include "tools/fleetctl/exit_code.hpp"
#include "tools/fleetctl/printing.hpp"
#include "tools/fleetctl/request_body.hpp"
#include "tools/fleetctl/table.hpp"

#include <boost/json/serialize.hpp>

#include <ostream>

namespace fleet::ctl {

namespace {

const std::string kSchedules = "/api/v1/schedules";

std::string schedule_path(const Context& ctx) { return kSchedules + "/" + path_segment(ctx.invocation.arg(0)); }

int list_schedules(Context& ctx) {
    auto query = query_from_options(ctx.invocation, {{"limit", "limit"}, {"offset", "offset"}});
    const auto answer = ctx.backend.get(kSchedules + (query.empty() ? "" : "?" + query));
    return print_answer(ctx, answer, [&](const boost::json::value& body) {
        print_items(ctx, array_at(data_of(body), "schedules"),
                    {{"SCHEDULE_ID", "schedule_id"},
                     {"NAME", "name"},
                     {"CRON", "cron"},
                     {"TIMEZONE", "timezone"},
                     {"PAUSED", "paused"},
                     {"NEXT_RUN", "next_run_at"},
                     {"LAST_RUN", "last_run_at"},
                     {"STARTED", "runs_started"},
                     {"SKIPPED", "runs_skipped"}});
    });
}

int get_schedule(Context& ctx) {
    const auto answer = ctx.backend.get(schedule_path(ctx));
    return print_answer(ctx, answer, [&](const boost::json::value& body) {
        const auto& data = data_of(body);
        print_object(ctx, data, {"workflow", "recent_runs", "skipped_runs", "next_run_times"});
        const auto now = SystemClock::instance().now();
        const auto& next = array_at(data, "next_run_times");
        if (!next.empty()) {
            ctx.out << "\nnext runs:\n";
            for (const auto& time : next) ctx.out << "  " << cell(time) << " (" << relative_time(time, now) << ")\n";
        }
        if (const auto& runs = array_at(data, "recent_runs"); !runs.empty()) {
            ctx.out << "\nrecent runs:\n";
            print_items(ctx, runs, {{"WORKFLOW_ID", "workflow_id"}, {"SCHEDULED_FOR", "scheduled_for"}, {"STATUS", "status"}});
        }
        if (const auto& skipped = array_at(data, "skipped_runs"); !skipped.empty()) {
            ctx.out << "\nskipped:\n";
            print_items(ctx, skipped, {{"SCHEDULED_FOR", "scheduled_for"}, {"REASON", "reason"}});
        }
    });
}

int create_schedule(Context& ctx) {
    const auto answer = ctx.backend.post(kSchedules, read_json_document(ctx.invocation.arg(0), "schedule"));
    return print_answer(ctx, answer, [&](const boost::json::value& body) {
        print_items(ctx, boost::json::array{body}, {{"SCHEDULE_ID", "schedule_id"}, {"NEXT_RUN", "next_run_at"}});
    });
}

int pause_or_resume(Context& ctx, const std::string& action) {
    const auto answer = ctx.backend.post(schedule_path(ctx) + "/" + action);
    return print_answer(ctx, answer, [&](const boost::json::value& body) {
        ctx.out << "schedule " << ctx.invocation.arg(0) << (action == "pause" ? ": paused" : ": resumed, next run ")
                << (action == "pause" ? "" : cell(body, "next_run_at")) << '\n';
    });
}

int trigger_schedule(Context& ctx) {
    const auto answer = ctx.backend.post(schedule_path(ctx) + "/trigger");
    return print_answer(ctx, answer, [&](const boost::json::value& body) {
        print_items(ctx, boost::json::array{body}, {{"OUTCOME", "outcome"}, {"WORKFLOW_ID", "workflow_id"}, {"REASON", "reason"}});
    });
}

int delete_schedule(Context& ctx) {
    return print_done(ctx, ctx.backend.del(schedule_path(ctx)), "schedule " + ctx.invocation.arg(0) + " deleted");
}

int preview(Context& ctx) {
    if (!ctx.invocation.has("cron")) throw usage_error("'schedules preview' needs --cron EXPRESSION");
    auto query = query_from_options(
        ctx.invocation, {{"cron", "cron"}, {"timezone", "timezone"}, {"from", "from"}, {"count", "count"}});
    const auto answer = ctx.backend.get(kSchedules + "/preview?" + query);
    return print_answer(ctx, answer, [&](const boost::json::value& body) {
        const auto& data = data_of(body);
        ctx.out << cell(data, "cron") << " in " << cell(data, "timezone") << ":\n";
        const auto now = SystemClock::instance().now();
        for (const auto& time : array_at(data, "next_run_times"))
            ctx.out << "  " << cell(time) << " (" << relative_time(time, now) << ")\n";
    });
}

}  // namespace

void add_schedule_commands(std::vector<Command>& table) {
    table.push_back({"schedules", {}, "list schedules", {{"limit", "N", "at most N", false, kBackendCount}, {"offset", "N", "skip the first N", false, kBackendCount}},
                     list_schedules});
    table.push_back({"schedules get", {"<schedule-id>"}, "one schedule: next runs, recent and skipped runs", {},
                     get_schedule});
    table.push_back({"schedules create", {"<file.json|->"},
                     "create a schedule from {\"name\", \"cron\", \"timezone\"?, \"workflow\", ...}", {}, create_schedule});
    table.push_back({"schedules pause", {"<schedule-id>"}, "stop firing (paused time is not missed time)", {},
                     [](Context& ctx) { return pause_or_resume(ctx, "pause"); }});
    table.push_back({"schedules resume", {"<schedule-id>"}, "fire again", {},
                     [](Context& ctx) { return pause_or_resume(ctx, "resume"); }});
    table.push_back({"schedules trigger", {"<schedule-id>"}, "start a run now, under the overlap policy", {},
                     trigger_schedule});
    table.push_back({"schedules delete", {"<schedule-id>"}, "delete a schedule (its runs go on)", {}, delete_schedule});
    table.push_back({"schedules preview", {}, "the next due times of a cron expression",
                     {{"cron", "EXPRESSION", "5 or 6 fields, or a macro (@daily, @every 10m)"},
                      {"timezone", "ZONE", "an IANA name (default UTC)"},
                      {"from", "TIME", "start after this ISO 8601 time (default now)"},
                      {"count", "N", "how many (1 to 100, default 5)", false, kBackendCount}},
                     preview, "Example: fleetctl schedules preview --cron '0 9 * * mon-fri' --timezone Europe/Paris"});
}

}  // namespace fleet::ctl
