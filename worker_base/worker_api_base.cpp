#include "worker_base/worker_api_base.hpp"

#include "common/http/auth.hpp"
#include "common/http/error.hpp"
#include "common/http/query.hpp"
#include "common/ids.hpp"
#include "common/json/fields.hpp"
#include "common/json/text.hpp"
#include "common/log.hpp"
#include "common/process_metrics.hpp"
#include "common/version.hpp"
#include "worker_base/api_description.hpp"
#include "worker_base/operation_json.hpp"
#include "worker_base/run_log.hpp"

#include <boost/json/array.hpp>
#include <boost/json/monotonic_resource.hpp>

#include <algorithm>
#include <array>
#include <optional>
#include <vector>

#include <sstream>

namespace fleet::worker {
namespace {

// An echo's start answer, with the operation as it ended, is about 650 bytes.
constexpr std::size_t kStartAnswerBytes = 1024;

using http::ApiError;
using http::HttpRequest;
using http::HttpResponse;

boost::json::object success(boost::json::object data) {
    return boost::json::object{{"success", true}, {"data", std::move(data)}};
}

// `fields=operation_id,status`: each listed operation carries only the keys named, as with the
// `fields` of Google's APIs. The backend asks for ids and statuses after a restart, where whole
// operations (their results) could outgrow what it reads of an answer.
std::optional<std::vector<std::string>> listed_fields(const HttpRequest& request) {
    const auto text = http::query_text(request, "fields");
    if (!text) return std::nullopt;
    std::vector<std::string> names;
    for (std::size_t start = 0; start <= text->size();) {
        const std::size_t comma = std::min(text->find(',', start), text->size());
        std::string name = text->substr(start, comma - start);
        if (std::ranges::find(operation_fields(), name) == operation_fields().end()) {
            std::string known;
            for (const auto field : operation_fields()) known += (known.empty() ? "" : ", ") + std::string(field);
            // Named back only when it is a short plain word: the answer does not repeat any input.
            const bool plain = name.size() <= 64 && is_plain_id(name);
            throw http::bad_request("query parameter 'fields' names " + (plain ? "'" + name + "'" : "a key") +
                                    " that an operation does not have; it has " + known);
        }
        names.push_back(std::move(name));
        start = comma + 1;
    }
    return names;
}

boost::json::object only(boost::json::object operation, const std::vector<std::string>& fields) {
    boost::json::object out(fields.size());
    for (const auto& name : fields)
        if (auto* value = operation.if_contains(name)) out[name] = std::move(*value);
    return out;
}

std::string operation_id_of(const HttpRequest& request) {
    const std::string id(request.path_param("id"));
    http::require_plain_id(id, "operation id");
    return id;
}

std::string_view worker_status_word(bool draining, bool busy) {
    if (draining) return "draining";
    return busy ? "busy" : "idle";
}

}  // namespace

WorkerApiBase::WorkerApiBase(const WorkerType& type, OperationsService& operations, Spawn spawn, std::string token,
                             std::size_t max_result_bytes, const Clock& clock)
    : type_(type),
      operations_(operations),
      spawn_(std::move(spawn)),
      token_(std::move(token)),
      max_result_bytes_(max_result_bytes),
      clock_(clock) {
    set_worker_id({});
}

void WorkerApiBase::set_worker_id(std::string worker_id) {
    worker_id_ = std::move(worker_id);
    boost::json::object fixed{{"healthy", true},
                              {"service", default_domain(type_.type) + "-worker"},  // the type with hyphens
                              {"worker_id", worker_id_},
                              {"worker_type", type_.type},
                              {"status", "operational"},
                              {"version", fleet::version()}};
    health_prefix_ = json::to_text(fixed);
    health_prefix_.pop_back();  // the closing brace; health() appends the rest
}

void WorkerApiBase::on_health_check(std::function<void()> listener) { health_listener_ = std::move(listener); }

void WorkerApiBase::on_drain_request(std::function<void()> listener) { drain_listener_ = std::move(listener); }

void WorkerApiBase::add_routes(http::Router& router) {
    router.guard(http::bearer_guard(token_))
        .get("/health", [this](const HttpRequest& r) { return health(r); })
        .get("/metrics", [this](const HttpRequest& r) { return prometheus(r); })
        .get("/openapi.yaml",
             [](const HttpRequest&) { return HttpResponse::text(200, std::string(openapi_yaml()), "application/yaml"); })
        .post("/" + type_.domain + "/start", [this](const HttpRequest& r) { return start_operation(r); })
        .get("/api/v1/operations", [this](const HttpRequest& r) { return list_operations(r); })
        .get("/api/v1/operations/{id}", [this](const HttpRequest& r) { return get_operation(r); })
        .get("/api/v1/operations/{id}/metrics", [this](const HttpRequest& r) { return get_metrics(r); })
        .del("/api/v1/operations/{id}/cancel", [this](const HttpRequest& r) { return cancel_operation(r); })
        .post("/api/v1/drain", [this](const HttpRequest& r) { return drain(r); });
}

HttpResponse WorkerApiBase::health(const HttpRequest&) const {
    if (health_listener_) health_listener_();
    const auto active = operations_.active_ids();
    const bool draining = operations_.draining();
    // The fixed fields are serialized once (set_worker_id); only these change.
    std::string body = health_prefix_;
    body += R"(,"timestamp":")";
    body += to_iso8601(clock_.now());
    body += R"(","worker_status":")";
    body += worker_status_word(draining, !active.empty());
    body += R"(","current_operation":)";
    body += active.empty() ? std::string("null") : json::to_text(boost::json::string(active.front()));
    if (active.size() > 1) {
        boost::json::array all;
        for (const auto& id : active) all.emplace_back(id);
        body += R"(,"current_operations":)";
        body += json::to_text(all);
    }
    body += '}';
    return HttpResponse::text(200, std::move(body), "application/json");
}

HttpResponse WorkerApiBase::start_operation(const HttpRequest& request) {
    boost::json::object body = json::parse_object(request.body, true);
    const auto task_id = json::optional_string(body, "task_id");
    if (task_id) http::require_plain_id(*task_id, "'task_id'");
    PreparedWork work = type_.prepare(std::move(body));

    StartResult started = start(task_id, std::move(work));
    switch (started.outcome) {
        case ClaimOutcome::Started:
        case ClaimOutcome::Existing: {
            // The answer is built, written out and dropped here: its parts need no heap
            // of their own (an answer larger than the buffer takes more from the heap).
            std::array<unsigned char, 4096> buffer;
            boost::json::monotonic_resource memory(buffer.data(), buffer.size());
            // Held as a value from the start: the text is written from a value, and making one of an
            // object would copy it.
            boost::json::value answer(boost::json::object(5, &memory));
            boost::json::object& out = answer.get_object();
            out["success"] = true;
            out["operation_id"] = started.operation_id;
            out["status"] = "started";
            out["worker_id"] = worker_id_;
            if (started.ended) out["operation"] = to_json(*started.ended, &memory);
            if (started.outcome == ClaimOutcome::Existing) {
                out["already_known"] = true;
                if (auto existing = operations_.get(started.operation_id)) {
                    out["operation_status"] = to_string(existing->status);
                    // A start sent again (the backend restarted) learns at once how it ended.
                    if (is_terminal(existing->status)) out["operation"] = to_json(*existing, &memory);
                }
            }
            // Room for a usual answer up front: growing the text would copy it several times.
            std::string text;
            text.reserve(kStartAnswerBytes);
            json::append_text(text, answer);
            return HttpResponse::text(200, std::move(text), "application/json");
        }
        case ClaimOutcome::Busy:
        case ClaimOutcome::Draining: {
            const bool draining = started.outcome == ClaimOutcome::Draining;
            boost::json::object extra{
                {"current_operation", started.operation_id.empty() ? boost::json::value(nullptr)
                                                                   : boost::json::value(started.operation_id)},
                {"status_code", 503},
                {"worker_status", draining ? "draining" : "busy"}};
            throw ApiError(503, "Worker busy", std::move(extra)).with_header("Retry-After", "1");
        }
    }
    throw ApiError(500, "unexpected claim outcome");
}

StartResult WorkerApiBase::start(const std::optional<std::string>& task_id, PreparedWork work) {
    // The run has its own copy of what it needs; the parameters become the operation's metadata.
    Claim claim = operations_.claim(task_id, std::move(work.parameters), work.instant);
    if (claim.outcome == ClaimOutcome::Started) {
        ++started_total_;
        // Per-operation lines are debug: at thousands of operations a second they
        // would cost more than the operations (failures and cancels stay visible).
        log::debug("operation started", log::field("operation_id", claim.operation_id));
        if (work.instant)
            return StartResult{claim.outcome, claim.operation_id,
                               execute(claim.operation_id, work, *claim.progress, claim.token)};
        spawn_([this, id = claim.operation_id, work = std::move(work), progress = claim.progress,
                token = claim.token] { execute(id, work, *progress, token); });
    }
    return StartResult{claim.outcome, claim.operation_id};
}

std::optional<OperationView> WorkerApiBase::execute(const std::string& id, const PreparedWork& work,
                                                    ProgressBridge& progress, const CancellationToken& token) {
    if (run_log_) run_log_->started(id, worker_id_, clock_.now());
    std::optional<OperationView> ended = run(id, work, progress, token);
    if (!run_log_) return ended;
    const auto status = ended ? ended->status : operations_.get(id).value_or(OperationView{}).status;
    if (is_terminal(status)) run_log_->ended(id, worker_id_, status, clock_.now());
    return ended;
}

std::optional<OperationView> WorkerApiBase::run(const std::string& id, const PreparedWork& work,
                                                ProgressBridge& progress, const CancellationToken& token) {
    operations_.mark_running(id);
    std::optional<OperationView> ended;
    try {
        boost::json::value result = work.run(progress, token);
        if (auto too_large = result_too_large(result, max_result_bytes_)) {
            log::warn("operation failed: ", *too_large, log::field("operation_id", id));
            return operations_.fail(id, std::move(*too_large));
        }
        ended = operations_.complete(id, std::move(result));
        log::debug("operation completed", log::field("operation_id", id));
    } catch (const OperationCancelled&) {
        ended = operations_.mark_cancelled(id);
        log::info("operation cancelled", log::field("operation_id", id));
    } catch (const std::exception& error) {
        if (token.is_cancelled()) {
            ended = operations_.mark_cancelled(id);
            log::info("operation cancelled", log::field("operation_id", id));
        } else {
            ended = operations_.fail(id, error.what());
            log::warn("operation failed: ", error.what(), log::field("operation_id", id));
        }
    }
    return ended;
}

HttpResponse WorkerApiBase::list_operations(const HttpRequest& request) const {
    OperationFilter filter;
    filter.operation_type = http::query_text(request, "operation_type");
    if (auto status = http::query_text(request, "status")) {
        filter.status = parse_operation_status(*status);
        if (!filter.status || *filter.status == OperationStatus::Queued) throw http::bad_request("query parameter 'status' must be one of pending, running, completed, failed, cancelled");
    }
    filter.limit = http::query_size(request, "limit", 100, 1000);
    filter.offset = http::query_size(request, "offset", 0, std::numeric_limits<std::uint32_t>::max());
    const auto fields = listed_fields(request);

    const OperationPage page = operations_.list(filter);
    boost::json::array items;
    items.reserve(page.operations.size());
    for (const auto& operation : page.operations)
        items.push_back(fields ? only(to_json(operation), *fields) : to_json(operation));
    return HttpResponse::json(200, success({{"operations", std::move(items)},
                                            {"total", page.total},
                                            {"limit", filter.limit},
                                            {"offset", filter.offset}}));
}

HttpResponse WorkerApiBase::get_operation(const HttpRequest& request) const {
    const std::string id = operation_id_of(request);
    const auto operation = operations_.get(id);
    if (!operation) throw http::not_found("operation '" + id + "' not found");
    return HttpResponse::json(200, success(to_json(*operation)));
}

HttpResponse WorkerApiBase::get_metrics(const HttpRequest& request) const {
    const std::string id = operation_id_of(request);
    const std::size_t cursor = http::query_size(request, "cursor", 0, std::numeric_limits<std::size_t>::max());
    const std::size_t limit = http::query_size(request, "limit", 100, 1000);
    const auto page = operations_.metrics(id, cursor, limit);
    if (!page) throw http::not_found("operation '" + id + "' not found");
    return HttpResponse::json(200, success(to_json(id, *page)));
}

HttpResponse WorkerApiBase::cancel_operation(const HttpRequest& request) {
    const std::string id = operation_id_of(request);
    switch (operations_.cancel(id)) {
        case CancelOutcome::NotFound: throw http::not_found("operation '" + id + "' not found");
        case CancelOutcome::AlreadyTerminal: {
            const auto operation = operations_.get(id);
            const std::string status = operation ? std::string(to_string(operation->status)) : "finished";
            throw ApiError(409, "operation '" + id + "' already " + status, {{"status", status}});
        }
        case CancelOutcome::Requested: break;
    }
    log::info("operation cancellation requested", log::field("operation_id", id));
    return HttpResponse::json(200, boost::json::object{{"success", true},
                                                       {"operation_id", id},
                                                       {"message", "cancellation requested"}});
}

HttpResponse WorkerApiBase::drain(const HttpRequest&) {
    if (!drain_listener_) throw ApiError(500, "this process cannot drain");
    // Refused at once, so that the answer's promise holds before the drain itself starts.
    const bool already = operations_.draining();
    operations_.set_draining();
    if (!already) drain_listener_();
    boost::json::array running;
    for (const auto& id : operations_.active_ids()) running.emplace_back(id);
    return HttpResponse::json(202, boost::json::object{{"success", true},
                                                       {"worker_id", worker_id_},
                                                       {"worker_status", "draining"},
                                                       {"already_draining", already},
                                                       {"current_operations", std::move(running)}});
}

HttpResponse WorkerApiBase::prometheus(const HttpRequest&) const {
    std::ostringstream out;
    out << "# HELP fleet_worker_operations Operations this worker holds, by status.\n"
        << "# TYPE fleet_worker_operations gauge\n";
    const auto counts = operations_.count_by_status();
    for (auto status : {OperationStatus::Pending, OperationStatus::Running, OperationStatus::Completed,
                        OperationStatus::Failed, OperationStatus::Cancelled}) {
        const auto it = counts.find(status);
        out << "fleet_worker_operations{status=\"" << to_string(status) << "\"} "
            << (it == counts.end() ? 0 : it->second) << "\n";
    }
    out << "# HELP fleet_worker_operations_started_total Operations started since the worker began.\n"
        << "# TYPE fleet_worker_operations_started_total counter\n"
        << "fleet_worker_operations_started_total " << started_total_.load() << "\n"
        << "# HELP fleet_worker_draining 1 while the worker drains.\n"
        << "# TYPE fleet_worker_draining gauge\n"
        << "fleet_worker_draining " << (operations_.draining() ? 1 : 0) << "\n"
        << process_metrics() << build_info_metric();
    return HttpResponse::text(200, out.str(), "text/plain; version=0.0.4");
}

}  // namespace fleet::worker
