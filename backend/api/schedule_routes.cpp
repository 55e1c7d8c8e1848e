#include "backend/api/schedule_routes.hpp"

#include "backend/api/on_core.hpp"
#include "backend/api/schedule_answers.hpp"
#include "backend/api/schedule_requests.hpp"
#include "backend/schedules/scheduler.hpp"
#include "common/http/error.hpp"
#include "common/http/query.hpp"
#include "common/json/time.hpp"

#include <boost/json/array.hpp>

namespace fleet::backend {
namespace {

constexpr std::size_t kMaxSchedulesPage = 1000;

http::HttpResponse change_answer(Scheduler& scheduler, Scheduler::Change change, const std::string& id,
                                 const char* refused) {
    switch (change) {
        case Scheduler::Change::NotFound:
            return http::error_response(http::not_found("schedule '" + id + "' not found"));
        case Scheduler::Change::Refused: return http::error_response(409, "schedule '" + id + "' " + refused);
        case Scheduler::Change::Done: break;
    }
    const auto* schedule = scheduler.find(id);
    return http::HttpResponse::json(200, {{"success", true},
                                          {"schedule_id", id},
                                          {"paused", schedule->paused},
                                          {"next_run_at", json::iso8601_or_null(schedule->next_run_at)}});
}

}  // namespace

void add_schedule_routes(http::Router& router, CoreExecutor& core, Scheduler& scheduler, const Clock& clock) {
    using http::HttpRequest;
    using http::HttpResponse;
    using http::Method;
    using http::Reply;
    const auto id_of = [](const HttpRequest& request) { return http::id_param(request, "id", "schedule id"); };

    router.add_async(Method::Post, "/api/v1/schedules", [&](HttpRequest request, Reply reply) {
        auto schedule = parse_schedule_request(request.body);
        on_core(core, std::move(reply), [&scheduler, schedule = std::move(schedule)](Reply done) mutable {
            const auto created = scheduler.create(std::move(schedule));
            done(HttpResponse::json(201, {{"success", true},
                                          {"schedule_id", created.schedule_id},
                                          {"next_run_at", json::iso8601_or_null(created.next_run_at)}}));
        });
    });
    router.add_async(Method::Get, "/api/v1/schedules", [&](HttpRequest request, Reply reply) {
        const auto limit = http::query_size(request, "limit", 100, kMaxSchedulesPage);
        if (limit == 0) throw http::bad_request("query parameter 'limit' must be from 1 to 1000");
        const auto offset = http::query_size(request, "offset", 0, 1'000'000'000);
        on_core(core, std::move(reply), [&scheduler, limit, offset](Reply done) {
            const auto page = scheduler.list(limit, offset);
            boost::json::array items;
            for (const auto& schedule : page.schedules) items.push_back(to_json(schedule, false));
            done(HttpResponse::json(200, {{"success", true},
                                          {"data",
                                           {{"schedules", std::move(items)},
                                            {"total", page.total},
                                            {"limit", limit},
                                            {"offset", offset}}}}));
        });
    });
    // Before /{id}: a preview is not a schedule.
    router.add(Method::Get, "/api/v1/schedules/preview", [&clock](const HttpRequest& request) {
        const auto preview = preview_schedule(request, clock.now());
        boost::json::array times;
        for (const auto t : preview.next_run_times) times.emplace_back(to_iso8601(t));
        return HttpResponse::json(200, {{"success", true},
                                        {"data",
                                         {{"cron", preview.cron},
                                          {"timezone", preview.timezone},
                                          {"next_run_times", std::move(times)}}}});
    });
    router.add_async(Method::Get, "/api/v1/schedules/{id}", [&, id_of](HttpRequest request, Reply reply) {
        auto id = id_of(request);
        on_core(core, std::move(reply), [&scheduler, id](Reply done) {
            scheduler.get(id, [id, done = std::move(done)](std::optional<ScheduleView> schedule) {
                if (!schedule) return done(http::error_response(http::not_found("schedule '" + id + "' not found")));
                done(HttpResponse::json(200, {{"success", true}, {"data", to_json(*schedule, true)}}));
            });
        });
    });
    router.add_async(Method::Post, "/api/v1/schedules/{id}/pause", [&, id_of](HttpRequest request, Reply reply) {
        auto id = id_of(request);
        on_core(core, std::move(reply), [&scheduler, id](Reply done) {
            done(change_answer(scheduler, scheduler.pause(id), id, "is paused already"));
        });
    });
    router.add_async(Method::Post, "/api/v1/schedules/{id}/resume", [&, id_of](HttpRequest request, Reply reply) {
        auto id = id_of(request);
        on_core(core, std::move(reply), [&scheduler, id](Reply done) {
            done(change_answer(scheduler, scheduler.resume(id), id, "is not paused"));
        });
    });
    router.add_async(Method::Post, "/api/v1/schedules/{id}/trigger", [&, id_of](HttpRequest request, Reply reply) {
        auto id = id_of(request);
        on_core(core, std::move(reply),
                [&scheduler, id](Reply done) { done(trigger_answer(scheduler.trigger(id), id)); });
    });
    router.add_async(Method::Delete, "/api/v1/schedules/{id}", [&, id_of](HttpRequest request, Reply reply) {
        auto id = id_of(request);
        on_core(core, std::move(reply), [&scheduler, id](Reply done) {
            if (!scheduler.remove(id)) throw http::not_found("schedule '" + id + "' not found");
            done(HttpResponse::json(200, {{"success", true}, {"schedule_id", id}}));
        });
    });
}

}  // namespace fleet::backend
