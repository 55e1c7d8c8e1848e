#include "backend/api/routes.hpp"

#include "backend/api/api_description.hpp"
#include "backend/api/blocking_read.hpp"
#include "backend/api/on_core.hpp"
#include "backend/api/operation_answers.hpp"
#include "backend/api/requests.hpp"
#include "backend/api/responses.hpp"
#include "backend/core/admission.hpp"
#include "backend/core/core_executor.hpp"
#include "backend/dispatch/dispatcher.hpp"
#include "backend/metrics.hpp"
#include "backend/workflows/workflow_engine.hpp"
#include "backend/operations/finished_cache.hpp"
#include "backend/operations/operation_book.hpp"
#include "backend/operations/operation_proxy.hpp"
#include "backend/registry/registration_service.hpp"
#include "backend/registry/worker_drain.hpp"
#include "backend/storage/operation_repository.hpp"
#include "common/http/auth.hpp"
#include "common/http/error.hpp"
#include "common/http/query.hpp"
#include "common/json/fields.hpp"
#include "common/log.hpp"
#include "common/process_metrics.hpp"
#include "common/version.hpp"

#include <boost/json/array.hpp>

#include <array>
#include <sstream>

namespace fleet::backend {
namespace {

using http::HttpRequest;
using http::HttpResponse;
using http::Reply;

// Every status word, with 0 for those nobody has.
template <typename Status, std::size_t N>
boost::json::object counts_json(const std::map<Status, std::size_t>& counts, const std::array<Status, N>& all) {
    boost::json::object out;
    for (const auto status : all) {
        const auto it = counts.find(status);
        out[to_string(status)] = it == counts.end() ? 0 : it->second;
    }
    return out;
}

constexpr std::array kWorkerStatuses{WorkerStatus::Available, WorkerStatus::Busy,
                                     WorkerStatus::TemporarilyUnavailable, WorkerStatus::Draining};
constexpr std::array kOperationStatuses{
    OperationStatus::Queued,    OperationStatus::Pending, OperationStatus::Running,
    OperationStatus::Completed, OperationStatus::Failed,  OperationStatus::Cancelled};

HttpResponse health(const RouteTargets& targets) {
    return HttpResponse::json(200, {{"healthy", true},
                                    {"service", "fleet-backend"},
                                    {"version", fleet::version()},
                                    {"timestamp", to_iso8601(targets.clock.now())},
                                    {"workers", counts_json(targets.registry.count_by_status(), kWorkerStatuses)},
                                    {"operations", counts_json(targets.operation_repository.count_by_status(), kOperationStatuses)},
                                    {"queue_depth", targets.operations.queue_depth()}});
}

HttpResponse prometheus(RouteTargets& targets) {
    std::ostringstream out;
    out << "# HELP fleet_workers Registered workers by status.\n# TYPE fleet_workers gauge\n";
    const auto workers = targets.registry.count_by_status();
    for (auto status : kWorkerStatuses) {
        const auto it = workers.find(status);
        out << "fleet_workers{status=\"" << to_string(status) << "\"} " << (it == workers.end() ? 0 : it->second) << "\n";
    }
    out << "# HELP fleet_operations Operations by status.\n# TYPE fleet_operations gauge\n";
    const auto operations = targets.operation_repository.count_by_status();
    for (auto status : kOperationStatuses) {
        const auto it = operations.find(status);
        out << "fleet_operations{status=\"" << to_string(status) << "\"} "
            << (it == operations.end() ? 0 : it->second) << "\n";
    }
    // Every domain a worker serves has its series, 0 when nothing queues.
    auto depths = targets.operations.queue_depths();
    for (const auto* worker : targets.registry.list({})) depths.try_emplace(worker->domain, 0);
    out << targets.metrics.domains().prometheus(depths) << targets.workflows.prometheus()
        << targets.metrics.prometheus() << process_metrics() << build_info_metric();
    return HttpResponse::text(200, out.str(), "text/plain; version=0.0.4");
}

}  // namespace

void add_routes(http::Router& router, RouteTargets& targets) {
    using http::Method;
    // The handlers outlive this call: they hold these references, not the locals.
    CoreExecutor& core = targets.core;
    Admission& admission = targets.admission;
    Dispatcher& dispatcher = targets.dispatcher;
    RegistrationService& registrations = targets.registrations;
    OperationProxy& proxy = targets.proxy;
    Registry& registry = targets.registry;
    FinishedCache& finished = targets.finished;
    router.guard(http::bearer_guard(targets.token));

    router.add_async(Method::Get, "/health", [&](HttpRequest, Reply reply) {
        on_core(core, std::move(reply), [&](Reply done) { done(health(targets)); });
    });
    router.add_async(Method::Get, "/metrics", [&](HttpRequest, Reply reply) {
        on_core(core, std::move(reply), [&](Reply done) { done(prometheus(targets)); });
    });

    router.get("/openapi.yaml", [](const HttpRequest&) {
        return HttpResponse::text(200, std::string(openapi_yaml()), "application/yaml");
    });
    router.get("/docs", [](const HttpRequest&) {
        return HttpResponse::text(200, std::string(docs_html()), "text/html; charset=utf-8");
    });

    router.add_async(Method::Post, "/api/v1/workers/register", [&](HttpRequest request, Reply reply) {
        auto registration = parse_registration(json::parse_object(request.body));
        on_core(core, std::move(reply), [&, registration = std::move(registration)](Reply done) {
            const auto registered = registrations.register_worker(registration);
            if (!registered) throw http::ApiError(503, "backend is shutting down").with_header("Retry-After", "5");
            done(HttpResponse::json(200, to_json(*registered)));
        });
    });
    router.add_async(Method::Delete, "/api/v1/workers/{id}", [&](HttpRequest request, Reply reply) {
        auto id = http::id_param(request, "id", "worker id");
        auto completed = parse_goodbye(request.body);
        on_core(core, std::move(reply), [&, id, completed = std::move(completed)](Reply done) {
            if (!registrations.deregister(id, completed)) throw http::not_found("worker '" + id + "' not found");
            done(HttpResponse::json(200, {{"success", true}, {"worker_id", id}, {"message", "worker removed"}}));
        });
    });
    router.add_async(Method::Post, "/api/v1/workers/{id}/drain", [&](HttpRequest request, Reply reply) {
        auto id = http::id_param(request, "id", "worker id");
        on_core(core, std::move(reply), [&, id](Reply done) {
            targets.drains.drain(id, [id, done = std::move(done)](DrainResult result) { done(drain_answer(result, id)); });
        });
    });
    router.add_async(Method::Get, "/api/v1/workers", [&](HttpRequest request, Reply reply) {
        WorkerFilter filter;
        filter.worker_type = http::query_text(request, "worker_type");
        if (auto status = http::query_text(request, "status")) {
            filter.status = parse_worker_status(*status);
            if (!filter.status)
                throw http::bad_request(
                    "query parameter 'status' must be one of AVAILABLE, BUSY, TEMPORARILY_UNAVAILABLE, DRAINING");
        }
        on_core(core, std::move(reply), [&, filter](Reply done) {
            boost::json::array workers;
            for (const auto* worker : registry.list(filter)) workers.push_back(to_json(*worker));
            done(HttpResponse::json(200, workers));
        });
    });
    router.add_async(Method::Get, "/api/v1/workers/{id}", [&](HttpRequest request, Reply reply) {
        auto id = http::id_param(request, "id", "worker id");
        on_core(core, std::move(reply), [&, id](Reply done) {
            const WorkerRecord* worker = registry.find(id);
            if (!worker) throw http::not_found("worker '" + id + "' not found");
            done(HttpResponse::json(200, to_json(*worker)));
        });
    });

    router.add_async(Method::Get, "/api/v1/operations", [&](HttpRequest request, Reply reply) {
        OperationQuery query;
        query.operation_type = http::query_text(request, "operation_type");
        query.worker_id = http::query_text(request, "worker_id");
        if (auto status = http::query_text(request, "status")) {
            query.status = parse_operation_status(*status);
            if (!query.status)
                throw http::bad_request(
                    "query parameter 'status' must be one of queued, pending, running, completed, failed, cancelled");
        }
        query.limit = http::query_size(request, "limit", 100, 1000);
        query.offset = http::query_size(request, "offset", 0, 1'000'000'000);
        if (auto cursor = http::query_text(request, "cursor")) {
            query.after = parse_cursor(*cursor);
            if (!query.after)
                throw http::bad_request("query parameter 'cursor' must be the next_cursor of an earlier page");
        }
        on_core(core, std::move(reply), [&, query](Reply done) {
            // Serialized on the reader thread, off the core.
            proxy.list<HttpResponse>(
                query, [query](OperationRows rows) { return list_answer(rows, query); },
                [done = std::move(done)](std::optional<HttpResponse> answer) {
                    done(answer ? std::move(*answer) : http::error_response(500, "internal error"));
                });
        });
    });
    router.add_async(Method::Get, "/api/v1/operations/{id}", [&](HttpRequest request, Reply reply) {
        auto id = http::id_param(request, "id", "operation id");
        const auto force = http::query_text(request, "force_refresh");
        if (force && *force != "true" && *force != "false")
            throw http::bad_request("query parameter 'force_refresh' must be true or false");
        const bool refresh = force && *force == "true";
        const auto wait = http::query_duration(request, "wait", kMaxBlockingWait);
        // A finished operation never changes: answered here, on the I/O thread.
        if (auto answer = finished.get(id))
            return reply(HttpResponse::text(200, std::move(*answer), "application/json"));
        on_core(core, std::move(reply), [&, id, refresh, wait](Reply done) {
            blocking_read<OperationLookup>(
                targets.waits, "operation", id, wait,
                [&proxy, id, refresh](std::function<void(OperationLookup)> then) { proxy.get(id, refresh, std::move(then)); },
                [](const OperationLookup& lookup) {
                    return lookup.kind != OperationLookup::Kind::Found || is_terminal(lookup.operation.status);
                },
                [id, done = std::move(done)](OperationLookup lookup) { done(get_answer(lookup, id)); });
        });
    });
    router.add_async(Method::Get, "/api/v1/operations/{id}/metrics", [&](HttpRequest request, Reply reply) {
        auto id = http::id_param(request, "id", "operation id");
        const auto cursor = http::query_size(request, "cursor", 0, std::numeric_limits<std::size_t>::max());
        const auto limit = http::query_size(request, "limit", 100, 1000);
        const std::string query = "cursor=" + std::to_string(cursor) + "&limit=" + std::to_string(limit);
        on_core(core, std::move(reply), [&, id, query](Reply done) {
            proxy.metrics(id, query, [id, done = std::move(done)](MetricsResult result) { done(metrics_answer(result, id)); });
        });
    });
    router.add_async(Method::Delete, "/api/v1/operations/{id}/cancel", [&](HttpRequest request, Reply reply) {
        auto id = http::id_param(request, "id", "operation id");
        on_core(core, std::move(reply), [&, id](Reply done) {
            proxy.cancel(id, [id, done = std::move(done)](CancelResult result) { done(cancel_answer(result, id)); });
        });
    });
    // A worker's reports of many operations in one request (its progress, every half second).
    router.add_async(Method::Post, "/api/v1/operations/events", [&](HttpRequest request, Reply reply) {
        auto reports = parse_report_batch(request.body);
        on_core(core, std::move(reply), [&, reports = std::move(reports)](Reply done) mutable {
            std::vector<std::pair<std::string, ReportOutcome>> outcomes;
            outcomes.reserve(reports.size());
            for (auto& report : reports) {
                auto& view = report.get_object();
                std::string id(view.at("operation_id").get_string());
                const auto outcome = registrations.report(id, std::move(view));
                outcomes.emplace_back(std::move(id), outcome);
            }
            done(report_batch_answer(outcomes));
        });
    });
    router.add_async(Method::Post, "/api/v1/operations/{id}/events", [&](HttpRequest request, Reply reply) {
        auto id = http::id_param(request, "id", "operation id");
        auto view = json::parse_object(request.body);
        check_report(view);
        on_core(core, std::move(reply), [&, id, view = std::move(view)](Reply done) mutable {
            done(report_answer(registrations.report(id, std::move(view)), id));
        });
    });

    router.add_async(Method::Post, "/api/v1/{domain}/start", [&](HttpRequest request, Reply reply) {
        auto domain = http::id_param(request, "domain", "domain");
        auto start = parse_start(domain, json::parse_object(request.body, true));
        on_core(
            core, std::move(reply),
            [&, domain, start = std::move(start)](Reply done) mutable {
                auto requirements = start.requirements;
                dispatcher.start(std::move(start), [domain, requirements = std::move(requirements),
                                                    done = std::move(done)](StartResult result) {
                    done(start_answer(result, domain, requirements));
                });
            },
            &admission);
    });
}

}  // namespace fleet::backend
