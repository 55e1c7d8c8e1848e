// fleetctl ops, ops get|cancel|watch <id>, start <domain>.
#include "tools/fleetctl/command_table.hpp"
#include "tools/fleetctl/exit_code.hpp"
#include "tools/fleetctl/printing.hpp"
#include "tools/fleetctl/request_body.hpp"
#include "tools/fleetctl/watch.hpp"

#include <boost/json/serialize.hpp>

#include <ostream>

namespace fleet::ctl {

namespace {

void print_operation(Context& ctx, const Answer& answer) { print_object(ctx, data_of(answer.json)); }

int list_operations(Context& ctx) {
    auto query = query_from_options(ctx.invocation, {{"status", "status"},
                                                     {"type", "operation_type"},
                                                     {"worker", "worker_id"},
                                                     {"limit", "limit"},
                                                     {"offset", "offset"}});
    const auto answer = ctx.backend.get("/api/v1/operations" + (query.empty() ? "" : "?" + query));
    return print_answer(ctx, answer, [&](const boost::json::value& body) {
        const auto& data = data_of(body);
        boost::json::array items = array_at(data, "operations");
        for (auto& item : items) {
            auto* o = item.if_object();
            if (!o) continue;
            const auto* progress = o->if_contains("progress");
            const auto* percentage =
                progress && progress->is_object() ? progress->get_object().if_contains("percentage") : nullptr;
            (*o)["progress_percent"] = percentage ? *percentage : boost::json::value();
        }
        print_items(ctx, items,
                    {{"OPERATION_ID", "operation_id"},
                     {"TYPE", "operation_type"},
                     {"STATUS", "status"},
                     {"PROGRESS", "progress_percent"},
                     {"WORKER", "worker_id"},
                     {"CREATED", "created_at"},
                     {"UPDATED", "updated_at"}});
        print_total(ctx, data, items.size(), "operation");
    });
}

int get_operation(Context& ctx) {
    const auto path = "/api/v1/operations/" + path_segment(ctx.invocation.arg(0)) +
                      (ctx.invocation.has("refresh") ? "?force_refresh=true" : "");
    const auto answer = ctx.backend.get(path);
    return print_answer(ctx, answer, [&](const boost::json::value&) { print_operation(ctx, answer); });
}

int cancel_operation(Context& ctx) {
    const auto& id = ctx.invocation.arg(0);
    return print_done(ctx, ctx.backend.del("/api/v1/operations/" + path_segment(id) + "/cancel"),
                      "operation " + id + " cancelled");
}

int watch_operation(Context& ctx) {
    return finish_watch(ctx, watch(ctx, operation_target(ctx.invocation.arg(0))), print_operation);
}

int start_operation(Context& ctx) {
    auto body = request_body(ctx.invocation);
    if (const auto priority = ctx.invocation.value("priority")) body["priority"] = parse_param("p=" + *priority).second;
    if (const auto requirements = ctx.invocation.value("requirements")) {
        auto value = parse_param("r=" + *requirements).second;
        if (!value.is_object()) throw usage_error("--requirements must be a JSON object, e.g. '{\"cores\": 4}'");
        body["requirements"] = std::move(value);
    }
    if (const auto retries = ctx.invocation.value("max-retries")) body["max_retries"] = parse_param("m=" + *retries).second;
    const auto answer =
        ctx.backend.post("/api/v1/" + path_segment(ctx.invocation.arg(0)) + "/start", boost::json::serialize(body));
    if (!ctx.invocation.has("watch")) {
        return print_answer(ctx, answer, [&](const boost::json::value& started) {
            print_items(ctx, boost::json::array{started},
                        {{"OPERATION_ID", "operation_id"}, {"STATUS", "status"}, {"WORKER", "worker_id"}});
        });
    }
    const auto* id = answer.json.is_object() ? answer.json.get_object().if_contains("operation_id") : nullptr;
    if (!id || !id->is_string()) throw CliError(ExitCode::Unreachable, "the start answer has no operation_id: " + answer.body);
    if (!ctx.invocation.json) ctx.err << "started operation " << std::string(id->get_string()) << '\n';
    return finish_watch(ctx, watch(ctx, operation_target(std::string(id->get_string()))), print_operation);
}

const OptionSpec kWatch{"watch", "", "follow it to its end with a progress bar (exit 0 completed, 1 failed or cancelled)"};

}  // namespace

void add_operation_commands(std::vector<Command>& table) {
    table.push_back({"ops", {}, "list operations, newest first",
                     {{"status", "STATUS", "queued, pending, running, completed, failed or cancelled"},
                      {"type", "DOMAIN", "only this operation type (domain)"},
                      {"worker", "WORKER_ID", "only those of this worker"},
                      {"limit", "N", "at most N (the backend's default: 100)", false, kBackendCount},
                      {"offset", "N", "skip the first N", false, kBackendCount}},
                     list_operations});
    table.push_back({"ops get", {"<operation-id>"}, "one operation: status, progress, result",
                     {{"refresh", "", "ask its worker now instead of the backend's 1 s cache"}}, get_operation});
    table.push_back({"ops cancel", {"<operation-id>"}, "cancel an operation", {}, cancel_operation});
    table.push_back({"ops watch", {"<operation-id>"}, "follow an operation to its end with a progress bar", {},
                     watch_operation});
    table.push_back({"start", {"<domain>"}, "start an operation: POST /api/v1/<domain>/start",
                     {{"param", "KEY=VALUE", "a parameter; the value is JSON when it parses as JSON, else a string", true},
                      {"json", "OBJECT", "all parameters as one JSON object (--param entries go over it)"},
                      {"priority", "N", "higher runs first when queued"},
                      {"requirements", "OBJECT", "what the worker must have, e.g. '{\"cores\": 4}'"},
                      {"max-retries", "N", "dispatch again this often when its worker is lost", false, kBackendCount},
                      kWatch},
                     start_operation,
                     "Example: fleetctl start echo --param duration_ms=500 --param steps=5 --watch"});
}

}  // namespace fleet::ctl
