// fleetctl workers, workers get <id>, workers drain <id>.
#include "tools/fleetctl/command_table.hpp"
#include "tools/fleetctl/exit_code.hpp"
#include "tools/fleetctl/printing.hpp"
#include "tools/fleetctl/request_body.hpp"

#include <ostream>

namespace fleet::ctl {

namespace {

const std::vector<std::pair<std::string, std::string>> kWorkerColumns{
    {"WORKER_ID", "worker_id"},   {"TYPE", "worker_type"},           {"STATUS", "status"},
    {"ENDPOINT", "endpoint_url"}, {"OPERATION", "current_operation_id"}, {"LAST_CHECK", "last_health_check"},
};

int list_workers(Context& ctx) {
    auto query = query_from_options(ctx.invocation, {{"type", "worker_type"}, {"status", "status"}});
    const auto answer = ctx.backend.get("/api/v1/workers" + (query.empty() ? "" : "?" + query));
    return print_answer(ctx, answer, [&](const boost::json::value& body) {
        // last_health_check is a time without the _at suffix: shown relative all the same.
        boost::json::array items = body.is_array() ? body.get_array() : boost::json::array{};
        for (auto& item : items)
            if (auto* o = item.if_object(); o && o->contains("last_health_check"))
                (*o)["last_health_check_at"] = o->at("last_health_check");
        auto columns = kWorkerColumns;
        columns.back().second = "last_health_check_at";
        print_items(ctx, items, columns);
    });
}

int get_worker(Context& ctx) {
    const auto answer = ctx.backend.get("/api/v1/workers/" + path_segment(ctx.invocation.arg(0)));
    return print_answer(ctx, answer, [&](const boost::json::value& body) { print_object(ctx, body); });
}

int drain_worker(Context& ctx) {
    const auto& id = ctx.invocation.arg(0);
    const auto path = "/api/v1/workers/" + path_segment(id) + "/drain";
    const auto response = ctx.backend.send_raw(http::Method::Post, path);
    if (response.status == 404) {
        // Two different 404s: the worker is unknown, or this backend predates the drain endpoint.
        const auto known = ctx.backend.send_raw(http::Method::Get, "/api/v1/workers/" + path_segment(id));
        if (known.status == 200)
            throw CliError(ExitCode::Refused, "this backend has no POST " + path +
                                                  " (it is older than fleetctl): stop the worker with SIGTERM instead, "
                                                  "it drains by itself");
        throw CliError(ExitCode::NotFound, "no worker '" + id + "' in the registry");
    }
    return print_done(ctx, ctx.backend.check(response, "POST " + path),
                      "worker " + id + " is draining: it finishes its operation, takes no new work and leaves");
}

}  // namespace

void add_worker_commands(std::vector<Command>& table) {
    table.push_back({"workers", {}, "list the registered workers",
                     {{"type", "TYPE", "only this worker type"}, {"status", "STATUS", "only this status (AVAILABLE, BUSY, ...)"}},
                     list_workers});
    table.push_back({"workers get", {"<worker-id>"}, "one worker's registry entry", {}, get_worker});
    table.push_back({"workers drain", {"<worker-id>"},
                     "tell a worker to drain: finish its operation, take no new work, leave the registry", {},
                     drain_worker,
                     "Calls POST /api/v1/workers/{id}/drain. A backend without that endpoint is reported as such "
                     "(exit 4), an unknown worker as not found (exit 3)."});
}

}  // namespace fleet::ctl
