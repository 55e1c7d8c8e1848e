// fleetctl workflows: list, get, watch, submit, signal, pause, resume, cancel, recover (proto_docs/workflows.md).
#include "tools/fleetctl/command_table.hpp"
#include "tools/fleetctl/exit_code.hpp"
#include "tools/fleetctl/printing.hpp"
#include "tools/fleetctl/request_body.hpp"
#include "tools/fleetctl/table.hpp"
#include "tools/fleetctl/watch.hpp"

#include <boost/json/serialize.hpp>

#include <ostream>

namespace fleet::ctl {

namespace {

const std::string kWorkflows = "/api/v1/workflows";

std::string workflow_path(const Context& ctx) { return kWorkflows + "/" + path_segment(ctx.invocation.arg(0)); }

void print_workflow(Context& ctx, const Answer& answer) {
    const auto& data = data_of(answer.json);
    print_object(ctx, data, {"steps", "inputs"});
    const auto& steps = array_at(data, "steps");
    if (steps.empty()) return;
    ctx.out << '\n';
    print_items(ctx, steps,
                {{"STEP", "name"},
                 {"KIND", "kind"},
                 {"STATUS", "status"},
                 {"ATTEMPTS", "attempts"},
                 {"OPERATION", "operation_id"},
                 {"STARTED", "started_at"},
                 {"COMPLETED", "completed_at"},
                 {"ERROR", "error_message"}});
}

int list_workflows(Context& ctx) {
    auto query = query_from_options(ctx.invocation, {{"status", "status"},
                                                     {"name", "name"},
                                                     {"schedule", "schedule_id"},
                                                     {"limit", "limit"},
                                                     {"offset", "offset"}});
    const auto answer = ctx.backend.get(kWorkflows + (query.empty() ? "" : "?" + query));
    return print_answer(ctx, answer, [&](const boost::json::value& body) {
        const auto& data = data_of(body);
        const auto& items = array_at(data, "workflows");
        print_items(ctx, items,
                    {{"WORKFLOW_ID", "workflow_id"},
                     {"NAME", "name"},
                     {"STATUS", "status"},
                     {"PROGRESS", "progress"},
                     {"SCHEDULE", "schedule_id"},
                     {"CREATED", "created_at"},
                     {"COMPLETED", "completed_at"},
                     {"ERROR", "error_message"}});
        print_total(ctx, data, items.size(), "workflow");
    });
}

int get_workflow(Context& ctx) {
    const auto answer = ctx.backend.get(workflow_path(ctx));
    return print_answer(ctx, answer, [&](const boost::json::value&) { print_workflow(ctx, answer); });
}

int watch_workflow_id(Context& ctx, const std::string& id) {
    return finish_watch(ctx, watch(ctx, workflow_target(id)), print_workflow);
}

int watch_workflow(Context& ctx) { return watch_workflow_id(ctx, ctx.invocation.arg(0)); }

int submit_workflow(Context& ctx) {
    const auto definition = read_json_document(ctx.invocation.arg(0), "workflow definition");
    const auto answer = ctx.backend.post(kWorkflows, definition);
    const auto* id = answer.json.is_object() ? answer.json.get_object().if_contains("workflow_id") : nullptr;
    if (ctx.invocation.has("watch") && id && id->is_string()) {
        if (!ctx.invocation.json) ctx.err << "submitted workflow " << std::string(id->get_string()) << '\n';
        return watch_workflow_id(ctx, std::string(id->get_string()));
    }
    return print_answer(ctx, answer, [&](const boost::json::value& body) {
        print_items(ctx, boost::json::array{body}, {{"WORKFLOW_ID", "workflow_id"}, {"STATUS", "status"}});
    });
}

int signal_workflow(Context& ctx) {
    std::string body;
    if (const auto json = ctx.invocation.value("json")) body = boost::json::serialize(request_body(ctx.invocation));
    http::Fields headers;
    if (const auto key = ctx.invocation.value("idempotency-key")) headers.emplace_back("Idempotency-Key", *key);
    const auto& name = ctx.invocation.arg(1);
    const auto answer = ctx.backend.post(workflow_path(ctx) + "/signals/" + path_segment(name), body, headers);
    return print_answer(ctx, answer, [&](const boost::json::value& result) {
        const auto* o = result.if_object();
        const auto* delivered = o ? o->if_contains("delivered") : nullptr;
        const bool now = delivered && delivered->is_bool() && delivered->get_bool();
        ctx.out << "signal " << name << (now ? " delivered" : " stored until its step waits for it") << '\n';
    });
}

// pause, resume, cancel, recover: POST .../<action>, answered with the new status.
int control(Context& ctx, const std::string& action) {
    std::string body;
    if (const auto from = ctx.invocation.value("from")) body = boost::json::serialize(boost::json::object{{"from_step", *from}});
    const auto answer = ctx.backend.post(workflow_path(ctx) + "/" + action, body);
    return print_answer(ctx, answer, [&](const boost::json::value& result) {
        ctx.out << "workflow " << ctx.invocation.arg(0) << ": " << cell(result, "status") << '\n';
    });
}

}  // namespace

void add_workflow_commands(std::vector<Command>& table) {
    table.push_back({"workflows", {}, "list workflows, newest first",
                     {{"status", "STATUS", "pending, running, paused, completed, failed, cancelled or recovering"},
                      {"name", "NAME", "only workflows of this name"},
                      {"schedule", "SCHEDULE_ID", "only the runs of this schedule"},
                      {"limit", "N", "at most N (default 100)", false, kBackendCount},
                      {"offset", "N", "skip the first N", false, kBackendCount}},
                     list_workflows});
    table.push_back({"workflows get", {"<workflow-id>"}, "one workflow and its steps", {}, get_workflow});
    table.push_back({"workflows watch", {"<workflow-id>"}, "follow a workflow to its end, its steps as they move", {},
                     watch_workflow});
    table.push_back({"workflows submit", {"<file.json|->"}, "submit a workflow definition (a file, or - for stdin)",
                     {{"watch", "", "follow it to its end (exit 0 completed, 1 failed or cancelled)"}}, submit_workflow});
    table.push_back({"workflows signal", {"<workflow-id>", "<signal>"}, "send a signal (approve a signal step)",
                     {{"json", "OBJECT", "the signal's body: it becomes the signal step's result"},
                      {"idempotency-key", "KEY", "the same key twice delivers once"}},
                     signal_workflow});
    table.push_back({"workflows pause", {"<workflow-id>"}, "start no new step; running ones go on", {},
                     [](Context& ctx) { return control(ctx, "pause"); }});
    table.push_back({"workflows resume", {"<workflow-id>"}, "resume a paused workflow", {},
                     [](Context& ctx) { return control(ctx, "resume"); }});
    table.push_back({"workflows cancel", {"<workflow-id>"}, "cancel a workflow and its running operations", {},
                     [](Context& ctx) { return control(ctx, "cancel"); }});
    table.push_back({"workflows recover", {"<workflow-id>"},
                     "run a failed or cancelled workflow again from its failed step (or --from)",
                     {{"from", "STEP", "the step to run again, with everything downstream of it"}},
                     [](Context& ctx) { return control(ctx, "recover"); }});
}

}  // namespace fleet::ctl
