#include "backend/api/admin_responses.hpp"

#include "common/http/error.hpp"
#include "common/json/text.hpp"
#include "common/json/time.hpp"

#include <boost/json/parse.hpp>

namespace fleet::backend {
namespace {

using json::text_or_null;

http::HttpResponse cancelled(const std::string& run_id, std::string_view message) {
    return http::HttpResponse::json(200, {{"success", true}, {"run_id", run_id}, {"message", message}});
}

// The worker's own words from its answer, else its status.
std::string worker_error(const WorkerAnswer& answer) {
    boost::system::error_code ec;
    const auto body = boost::json::parse(answer.body, ec);
    if (!ec && body.is_object())
        if (const auto* error = body.as_object().if_contains("error"); error && error->is_string())
            return std::string(error->get_string());
    return "HTTP " + std::to_string(answer.status);
}

}  // namespace

http::HttpResponse run_cancel_answer(const CancelResult& result, const std::string& run_id) {
    using Kind = CancelResult::Kind;
    switch (result.kind) {
        case Kind::CancelledWhileQueued:
        case Kind::CancelledHere: return cancelled(run_id, "cancelled");
        case Kind::WorkerAgreed: return cancelled(run_id, "cancellation requested");
        case Kind::WorkerRefused: {
            const int status = result.worker.status >= 400 && result.worker.status < 600 ? result.worker.status : 502;
            return http::error_response(status, "the worker refused to cancel run '" + run_id + "': " +
                                                    worker_error(result.worker));
        }
        case Kind::NotFound: return http::error_response(http::not_found("run '" + run_id + "' not found"));
        case Kind::AlreadyFinal: {
            const auto status = to_string(run_status_of(result.final_status));
            return http::error_response(409, "run '" + run_id + "' already " + std::string(status),
                                        {{"run_status", status}});
        }
        case Kind::NoWorker:
            return http::error_response(409, "run '" + run_id + "' has no worker to cancel it on");
        case Kind::Unreachable: return http::error_response(502, "worker unreachable: " + result.error);
    }
    return http::error_response(500, "internal error");
}

boost::json::object to_json(const RunView& run) {
    return boost::json::object{
        {"run_id", run.run_id},
        {"operation_id", run.run_id},
        {"bot", run.bot},
        {"status", to_string(run.status)},
        {"progress", run.progress},
        {"current_step", run.current_step},
        {"counters", run.counters},
        {"error_message", text_or_null(run.error_message)},
        {"params", run.params},
        {"warning", text_or_null(run.warning)},
        {"rerun_of", text_or_null(run.rerun_of)},
        {"worker_id", text_or_null(run.worker_id)},
        {"created_at", to_iso8601(run.created_at)},
        {"started_at", json::iso8601_or_null(run.started_at)},
        {"finished_at", json::iso8601_or_null(run.finished_at)},
        {"duration_seconds", run.duration_seconds ? boost::json::value(*run.duration_seconds) : boost::json::value(nullptr)},
        {"tracking_available", true},
    };
}

http::HttpResponse run_answer(const RunOutcome& outcome, SystemTime now) {
    using Kind = RunOutcome::Kind;
    switch (outcome.kind) {
        case Kind::KeyReused:
            return http::error_response(422, outcome.message, {{"run_id", outcome.other_run_id}});
        case Kind::Overlaps:
            return http::error_response(409, outcome.message, {{"overlapping_run_id", outcome.other_run_id}});
        case Kind::NoWorker: {
            auto response = http::error_response(503, outcome.message);
            response.headers.emplace_back("Retry-After", "5");
            return response;
        }
        case Kind::Refused: {
            boost::json::object extra;
            if (outcome.run) extra["run_id"] = outcome.run->record.run_id;
            const int status = outcome.worker.status >= 400 && outcome.worker.status < 500 ? outcome.worker.status : 502;
            return http::error_response(status, "the worker refused the run: " + worker_error(outcome.worker),
                                        std::move(extra));
        }
        case Kind::Started:
        case Kind::Replayed: break;
    }
    if (!outcome.run) return http::error_response(500, "the run was started but cannot be read back");
    const auto view = view_of(*outcome.run, now);
    boost::json::object body{
        {"success", true},
        {"run_id", view.run_id},
        {"bot", view.bot},
        {"status", to_string(view.status)},
        {"tracking_available", true},
        {"created_at", to_iso8601(view.created_at)},
    };
    if (!view.warning.empty()) body["warning"] = view.warning;
    if (!outcome.other_run_id.empty()) body["overlapping_run_id"] = outcome.other_run_id;
    auto response = http::HttpResponse::json(201, body);
    if (outcome.kind == Kind::Replayed) response.headers.emplace_back("Idempotent-Replayed", "true");
    return response;
}

}  // namespace fleet::backend
