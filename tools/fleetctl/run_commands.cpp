// fleetctl runs, run <bot>, runs get|cancel|rerun|watch <id>: the admin API (proto_docs/admin-runs.md).
#include "tools/fleetctl/command_table.hpp"
#include "tools/fleetctl/exit_code.hpp"
#include "tools/fleetctl/printing.hpp"
#include "tools/fleetctl/request_body.hpp"
#include "tools/fleetctl/watch.hpp"

#include <boost/json/serialize.hpp>

#include <ostream>

namespace fleet::ctl {

namespace {

const std::string kRuns = "/api/v1/admin/workers/runs";

void print_run(Context& ctx, const Answer& answer) { print_object(ctx, data_of(answer.json)); }

std::string text_field(const boost::json::value& object, std::string_view key) {
    const auto* o = data_of(object).if_object();
    const auto* v = o ? o->if_contains(key) : nullptr;
    return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

// Follows a run to its end; its progress comes from its operation's events.
int watch_run_id(Context& ctx, const std::string& run_id) {
    const auto run = ctx.backend.get(kRuns + "/" + path_segment(run_id));
    auto operation_id = text_field(run.json, "operation_id");
    if (operation_id.empty()) operation_id = run_id;  // a run's id is its operation's id
    return finish_watch(ctx, watch(ctx, run_target(run_id, operation_id)), print_run);
}

// A `run` or `rerun` answer: shown, or followed with --watch.
int started_run(Context& ctx, const Answer& answer) {
    const auto warning = text_field(answer.json, "warning");
    if (!warning.empty()) ctx.err << "warning: " << warning << '\n';
    if (!ctx.invocation.has("watch")) {
        return print_answer(ctx, answer, [&](const boost::json::value& run) {
            print_items(ctx, boost::json::array{run}, {{"RUN_ID", "run_id"}, {"BOT", "bot"}, {"STATUS", "status"}});
        });
    }
    const auto run_id = text_field(answer.json, "run_id");
    if (run_id.empty()) throw CliError(ExitCode::Unreachable, "the run answer has no run_id: " + answer.body);
    if (!ctx.invocation.json) ctx.err << "started run " << run_id << '\n';
    return watch_run_id(ctx, run_id);
}

int list_runs(Context& ctx) {
    auto query = query_from_options(
        ctx.invocation, {{"bot", "bot"}, {"status", "status"}, {"since", "since"}, {"limit", "limit"}, {"offset", "offset"}});
    const auto answer = ctx.backend.get(kRuns + (query.empty() ? "" : "?" + query));
    return print_answer(ctx, answer, [&](const boost::json::value& body) {
        const auto& items = array_at(data_of(body), "items");
        print_items(ctx, items,
                    {{"RUN_ID", "run_id"},
                     {"BOT", "bot"},
                     {"STATUS", "status"},
                     {"PROGRESS", "progress"},
                     {"WORKER", "worker_id"},
                     {"CREATED", "created_at"},
                     {"FINISHED", "finished_at"},
                     {"ERROR", "error_message"}});
        print_total(ctx, data_of(body), items.size(), "run");
    });
}

int start_run(Context& ctx) {
    boost::json::object body{{"bot", ctx.invocation.arg(0)}, {"params", request_body(ctx.invocation)}};
    if (ctx.invocation.has("strict")) body["strict"] = true;
    http::Fields headers;
    if (const auto key = ctx.invocation.value("idempotency-key")) headers.emplace_back("Idempotency-Key", *key);
    return started_run(ctx, ctx.backend.post("/api/v1/admin/workers/run", boost::json::serialize(body), headers));
}

int get_run(Context& ctx) {
    const auto answer = ctx.backend.get(kRuns + "/" + path_segment(ctx.invocation.arg(0)));
    return print_answer(ctx, answer, [&](const boost::json::value&) { print_run(ctx, answer); });
}

int cancel_run(Context& ctx) {
    const auto& id = ctx.invocation.arg(0);
    return print_done(ctx, ctx.backend.del(kRuns + "/" + path_segment(id) + "/cancel"), "run " + id + " cancelled");
}

int rerun(Context& ctx) {
    const std::string body = ctx.invocation.has("strict") ? R"({"strict":true})" : "";
    return started_run(ctx, ctx.backend.post(kRuns + "/" + path_segment(ctx.invocation.arg(0)) + "/rerun", body));
}

int watch_run(Context& ctx) { return watch_run_id(ctx, ctx.invocation.arg(0)); }

const OptionSpec kWatch{"watch", "", "follow it to its end with a progress bar (exit 0 finished, 1 failed or cancelled)"};
const OptionSpec kStrict{"strict", "", "refuse (409) when the bot already has a pending or running run"};

}  // namespace

void add_run_commands(std::vector<Command>& table) {
    table.push_back({"runs", {}, "list admin runs, newest first",
                     {{"bot", "BOT", "only this bot (worker type)"},
                      {"status", "STATUS", "pending, running, finished, failed or cancelled"},
                      {"since", "TIME", "only runs created after this ISO 8601 time"},
                      {"limit", "N", "at most N (default 20)", false, kBackendCount},
                      {"offset", "N", "skip the first N", false, kBackendCount}},
                     list_runs});
    table.push_back({"run", {"<bot>"}, "run a worker type (the admin 'Run worker' button)",
                     {{"param", "KEY=VALUE", "a parameter; the value is JSON when it parses as JSON, else a string", true},
                      {"json", "OBJECT", "all parameters as one JSON object (--param entries go over it)"},
                      kStrict,
                      {"idempotency-key", "KEY", "the same key twice starts one run"},
                      kWatch},
                     start_run, "Example: fleetctl run echo --param duration_ms=300 --watch"});
    table.push_back({"runs get", {"<run-id>"}, "one run: status, progress, counters", {}, get_run});
    table.push_back({"runs cancel", {"<run-id>"}, "cancel a run", {}, cancel_run});
    table.push_back({"runs rerun", {"<run-id>"}, "start a new run with the same bot and params", {kStrict, kWatch}, rerun});
    table.push_back({"runs watch", {"<run-id>"}, "follow a run to its end with a progress bar", {}, watch_run});
}

}  // namespace fleet::ctl
