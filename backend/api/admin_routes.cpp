#include "backend/api/admin_routes.hpp"

#include "backend/admin/admin_runs.hpp"
#include "backend/api/admin_requests.hpp"
#include "backend/api/admin_responses.hpp"
#include "backend/api/blocking_read.hpp"
#include "backend/api/on_core.hpp"
#include "common/http/error.hpp"
#include "common/http/query.hpp"
#include "common/json/fields.hpp"

#include <boost/json/array.hpp>

namespace fleet::backend {

void add_admin_routes(http::Router& router, CoreExecutor& core, AdminRuns& runs, StatusWaits& waits,
                      const std::vector<worker::WorkerType>& types) {
    using http::HttpRequest;
    using http::HttpResponse;
    using http::Method;
    using http::Reply;
    const auto run_id_of = [](const HttpRequest& request) { return http::id_param(request, "id", "run id"); };
    const auto start = [&runs](RunRequest request, Reply done) {
        runs.run(std::move(request), [&runs, done = std::move(done)](RunOutcome outcome) {
            done(run_answer(outcome, runs.clock().now()));
        });
    };

    router.add_async(Method::Post, "/api/v1/admin/workers/run", [&, start](HttpRequest request, Reply reply) {
        auto run = parse_run_request(json::parse_object(request.body), parse_idempotency_key(request.idempotency_key),
                                     types);
        on_core(core, std::move(reply),
                [start, run = std::move(run)](Reply done) mutable { start(std::move(run), std::move(done)); });
    });
    router.add_async(Method::Get, "/api/v1/admin/workers/runs", [&](HttpRequest request, Reply reply) {
        auto query = parse_run_query(request, types);
        on_core(core, std::move(reply), [&runs, query](Reply done) {
            runs.list(query, [&runs, query, done = std::move(done)](AdminRuns::Page page) {
                const auto now = runs.clock().now();
                boost::json::array items;
                for (const auto& run : page.runs) items.push_back(to_json(view_of(run, now)));
                done(HttpResponse::json(200, {{"items", std::move(items)},
                                              {"total", page.total},
                                              {"limit", query.limit},
                                              {"offset", query.offset}}));
            });
        });
    });
    router.add_async(Method::Get, "/api/v1/admin/workers/runs/{id}", [&, run_id_of](HttpRequest request, Reply reply) {
        auto id = run_id_of(request);
        const auto wait = http::query_duration(request, "wait", kMaxBlockingWait);
        on_core(core, std::move(reply), [&runs, &waits, id, wait](Reply done) {
            using Found = std::optional<AdminRun>;
            blocking_read<Found>(
                waits, "run", id, wait, [&runs, id](std::function<void(Found)> then) { runs.get(id, std::move(then)); },
                [](const Found& run) { return !run || is_terminal(run->operation.status); },
                [&runs, id, done = std::move(done)](Found run) {
                    if (!run) return done(http::error_response(http::not_found("run '" + id + "' not found")));
                    done(HttpResponse::json(200, to_json(view_of(*run, runs.clock().now()))));
                });
        });
    });
    router.add_async(Method::Delete, "/api/v1/admin/workers/runs/{id}/cancel",
                     [&, run_id_of](HttpRequest request, Reply reply) {
                         auto id = run_id_of(request);
                         on_core(core, std::move(reply), [&runs, id](Reply done) {
                             runs.cancel(id, [id, done = std::move(done)](CancelResult result) {
                                 done(run_cancel_answer(result, id));
                             });
                         });
                     });
    router.add_async(Method::Post, "/api/v1/admin/workers/runs/{id}/rerun",
                     [&, run_id_of, start](HttpRequest request, Reply reply) {
                         auto id = run_id_of(request);
                         const bool strict = parse_rerun_strict(request.body);
                         auto key = parse_idempotency_key(request.idempotency_key);
                         on_core(core, std::move(reply), [&runs, start, id, strict, key](Reply done) {
                             auto again = runs.rerun_request(id, strict, key);
                             if (!again) throw http::not_found("run '" + id + "' not found");
                             start(std::move(*again), std::move(done));
                         });
                     });
}

}  // namespace fleet::backend
