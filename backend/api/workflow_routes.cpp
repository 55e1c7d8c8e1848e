#include "backend/api/workflow_routes.hpp"

#include "backend/api/admin_requests.hpp"
#include "backend/api/blocking_read.hpp"
#include "backend/api/on_core.hpp"
#include "backend/api/workflow_answers.hpp"
#include "backend/api/workflow_requests.hpp"
#include "backend/workflows/workflow_engine.hpp"
#include "common/http/error.hpp"
#include "common/http/query.hpp"

#include <boost/json/array.hpp>

namespace fleet::backend {

void add_workflow_routes(http::Router& router, CoreExecutor& core, WorkflowEngine& engine, StatusWaits& waits) {
    using http::HttpRequest;
    using http::HttpResponse;
    using http::Method;
    using http::Reply;
    const auto id_of = [](const HttpRequest& request) { return http::id_param(request, "id", "workflow id"); };

    router.add_async(Method::Post, "/api/v1/workflows", [&](HttpRequest request, Reply reply) {
        auto definition = parse_workflow_submission(request.body);
        on_core(core, std::move(reply), [&engine, definition = std::move(definition)](Reply done) {
            const auto id = engine.submit(definition);
            done(HttpResponse::json(201, {{"success", true},
                                          {"workflow_id", id},
                                          {"status", to_string(engine.status_of(id))}}));
        });
    });
    router.add_async(Method::Get, "/api/v1/workflows", [&](HttpRequest request, Reply reply) {
        auto query = parse_workflow_query(request);
        on_core(core, std::move(reply), [&engine, query](Reply done) {
            engine.list(query, [query, done = std::move(done)](WorkflowEngine::Page page) {
                boost::json::array items;
                for (const auto& workflow : page.workflows) items.push_back(to_json(workflow, false));
                done(HttpResponse::json(200, {{"success", true},
                                              {"data",
                                               {{"workflows", std::move(items)},
                                                {"total", page.total},
                                                {"limit", query.limit},
                                                {"offset", query.offset}}}}));
            });
        });
    });
    router.add_async(Method::Get, "/api/v1/workflows/{id}", [&, id_of](HttpRequest request, Reply reply) {
        auto id = id_of(request);
        const auto wait = http::query_duration(request, "wait", kMaxBlockingWait);
        on_core(core, std::move(reply), [&engine, &waits, id, wait](Reply done) {
            using Found = std::optional<WorkflowView>;
            blocking_read<Found>(
                waits, "workflow", id, wait,
                [&engine, id](std::function<void(Found)> then) { engine.get(id, std::move(then)); },
                [](const Found& workflow) { return !workflow || workflows::is_terminal(workflow->state.status); },
                [id, done = std::move(done)](Found workflow) {
                    if (!workflow) return done(http::error_response(http::not_found("workflow '" + id + "' not found")));
                    done(HttpResponse::json(200, {{"success", true}, {"data", to_json(*workflow, true)}}));
                });
        });
    });
    router.add_async(Method::Post, "/api/v1/workflows/{id}/signals/{name}", [&, id_of](HttpRequest request, Reply reply) {
        auto id = id_of(request);
        auto name = http::id_param(request, "name", "signal name");
        auto payload = parse_signal_payload(request.body);
        auto key = parse_idempotency_key(request.idempotency_key);
        on_core(core, std::move(reply), [&engine, id, name, payload = std::move(payload), key](Reply done) mutable {
            done(signal_answer(engine.signal(id, name, std::move(payload), key), id, name));
        });
    });
    const std::pair<const char*, ControlAction> actions[] = {{"/api/v1/workflows/{id}/pause", ControlAction::Pause},
                                                             {"/api/v1/workflows/{id}/resume", ControlAction::Resume},
                                                             {"/api/v1/workflows/{id}/cancel", ControlAction::Cancel}};
    for (const auto& [path, action] : actions) {
        router.add_async(Method::Post, path, [&, id_of, action](HttpRequest request, Reply reply) {
            auto id = id_of(request);
            on_core(core, std::move(reply),
                    [&engine, id, action](Reply done) { done(control_answer(engine.control(id, action), id)); });
        });
    }
    router.add_async(Method::Post, "/api/v1/workflows/{id}/recover", [&, id_of](HttpRequest request, Reply reply) {
        auto id = id_of(request);
        auto from = parse_recover_from(request.body);
        on_core(core, std::move(reply), [&engine, id, from](Reply done) {
            done(control_answer(engine.control(id, ControlAction::Recover, from), id));
        });
    });
}

}  // namespace fleet::backend
