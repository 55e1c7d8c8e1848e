#include "backend/api/responses.hpp"

#include "backend/workflows/workflow_state.hpp"

#include "common/http/error.hpp"
#include "common/json/time.hpp"
#include "common/json/text.hpp"

#include <boost/json/array.hpp>
#include <boost/json/monotonic_resource.hpp>

namespace fleet::backend {

boost::json::object to_json(const WorkerRecord& worker) {
    boost::json::array operations;
    for (const auto& id : worker.operations) operations.emplace_back(id);
    return boost::json::object{
        {"worker_id", worker.worker_id},
        {"worker_type", worker.worker_type},
        {"domain", worker.domain},
        {"endpoint_url", worker.endpoint_url},
        {"status", to_string(worker.status)},
        {"capabilities", worker.capabilities},
        {"max_concurrent", worker.max_concurrent},
        {"version", worker.version},
        {"current_operation_id", worker.operations.empty() ? boost::json::value(nullptr)
                                                           : boost::json::value(worker.operations.front())},
        {"current_operations", std::move(operations)},
        {"last_health_check", json::iso8601_or_null(worker.last_health_check)},
        {"health_check_failures", worker.health_check_failures},
        {"registered_at", to_iso8601(worker.registered_at)},
    };
}

http::HttpResponse drain_answer(const DrainResult& result, const std::string& worker_id) {
    const std::string status = result.worker ? std::string(to_string(result.worker->status)) : std::string{};
    const std::string who = "worker '" + worker_id + "'";
    switch (result.kind) {
        case DrainResult::Kind::Draining: return http::HttpResponse::json(202, to_json(*result.worker));
        case DrainResult::Kind::NotFound: return http::error_response(404, who + " not found");
        case DrainResult::Kind::NotDrainable:
            return http::error_response(409, who + " is " + status + ": it cannot be drained", {{"worker_status", status}});
        case DrainResult::Kind::Unreachable:
            return http::error_response(
                502, who + " could not be told to drain (" + result.why + "); its status is unchanged",
                {{"worker_status", status}});
        case DrainResult::Kind::TimedOut:
            return http::error_response(
                504, who + " did not answer the request to drain in time (" + result.why + "); its status is unchanged",
                {{"worker_status", status}});
    }
    return http::error_response(500, "internal error");
}

boost::json::object to_json(const OperationRecord& operation, boost::json::storage_ptr storage) {
    boost::json::object progress(operation.progress, storage);
    if (!progress.contains("percentage")) progress["percentage"] = 0.0;
    if (!progress.contains("current_step")) progress["current_step"] = "";
    if (!progress.contains("estimated_remaining_seconds")) progress["estimated_remaining_seconds"] = nullptr;
    boost::json::object answer({
        {"operation_id", operation.operation_id},
        {"operation_type", operation.operation_type},
        {"status", to_string(operation.status)},
        {"progress", std::move(progress)},
        {"metadata", operation.parameters},
        {"result", operation.result},
        {"error_message", operation.error_message.empty() ? boost::json::value(nullptr)
                                                          : boost::json::value(operation.error_message)},
        {"created_at", to_iso8601(operation.created_at)},
        {"updated_at", to_iso8601(operation.updated_at)},
        {"started_at", json::iso8601_or_null(operation.started_at)},
        {"completed_at", json::iso8601_or_null(operation.completed_at)},
        {"worker_id", operation.worker_id.empty() ? boost::json::value(nullptr) : boost::json::value(operation.worker_id)},
        {"domain", operation.domain},
        {"priority", operation.priority},
        {"attempts", operation.attempts},
    }, storage);
    // A workflow step's attempt says whose it is (its id says it too).
    if (const auto attempt = workflows::attempt_of(operation.operation_id)) {
        answer["workflow_id"] = attempt->workflow_id;
        answer["step"] = attempt->step;
    }
    return answer;
}

boost::json::object operation_answer(const OperationRecord& operation, boost::json::storage_ptr storage) {
    return boost::json::object({{"success", true}, {"data", to_json(operation, storage)}}, storage);
}

std::string finished_answer(const OperationRecord& operation) {
    // One for every operation that ends, on the core thread; the tree is gone once written,
    // so it is built on the stack rather than the heap.
    unsigned char buffer[4096];
    boost::json::monotonic_resource scratch(buffer, sizeof buffer);
    return json::to_text(operation_answer(operation, &scratch));
}

http::HttpResponse start_answer(const StartResult& result, const std::string& domain,
                                const boost::json::object& requirements) {
    using Kind = StartResult::Kind;
    const boost::json::string_view id = result.operation_id;
    switch (result.kind) {
        case Kind::Started:
            return http::HttpResponse::json(200, {{"success", true}, {"operation_id", id}, {"status", "started"},
                                                  {"worker_id", result.worker_id}});
        case Kind::Pending:
            return http::HttpResponse::json(202, {{"success", true}, {"operation_id", id}, {"status", "pending"},
                                                  {"worker_id", result.worker_id}});
        case Kind::Queued:
            return http::HttpResponse::json(202, {{"success", true}, {"operation_id", id}, {"status", "queued"}});
        case Kind::NoWorkerServes:
            return http::error_response(http::not_found("no registered worker serves domain '" + domain + "'"));
        case Kind::Unmeetable:
            return http::error_response(
                http::ApiError(422, "no registered worker of domain '" + domain + "' meets the requirements",
                               {{"requirements", requirements}}));
        case Kind::Rejected: {
            http::HttpResponse relayed;  // the worker's answer, as it came
            relayed.status = result.worker_status;
            relayed.body = result.worker_body;
            return relayed;
        }
        case Kind::Duplicate:  // a client's start never names its id
            break;
    }
    return http::error_response(500, "internal error");
}

boost::json::object to_json(const Registered& registered) {
    boost::json::array stop;
    for (const auto& id : registered.stop_operations) stop.emplace_back(id);
    return {{"success", true},
            {"worker_id", registered.worker_id},
            {"instance_id", registered.instance_id},
            {"status", to_string(registered.status)},
            {"stop_operations", std::move(stop)}};
}

http::HttpResponse report_answer(ReportOutcome outcome, const std::string& operation_id) {
    const auto ignored = [](std::string_view message) {
        return http::HttpResponse::json(200, {{"success", true}, {"message", message}});
    };
    switch (outcome) {
        case ReportOutcome::Applied: return http::HttpResponse::json(200, {{"success", true}});
        case ReportOutcome::NotFound: return http::error_response(http::not_found("operation '" + operation_id + "' not found"));
        case ReportOutcome::AlreadyFinal: return ignored("already final");
        case ReportOutcome::IgnoredQueued: return ignored("ignored: operation is queued");
        case ReportOutcome::IgnoredSuperseded: return ignored("ignored: from a superseded worker instance");
        case ReportOutcome::IgnoredIllegal: return ignored("ignored: illegal move");
    }
    return http::error_response(500, "internal error");
}

http::HttpResponse report_batch_answer(const std::vector<std::pair<std::string, ReportOutcome>>& outcomes) {
    const auto word = [](ReportOutcome outcome) -> std::string_view {
        switch (outcome) {
            case ReportOutcome::Applied: return "applied";
            case ReportOutcome::NotFound: return "not_found";
            case ReportOutcome::AlreadyFinal: return "already_final";
            case ReportOutcome::IgnoredQueued: return "ignored_queued";
            case ReportOutcome::IgnoredSuperseded: return "ignored_superseded";
            case ReportOutcome::IgnoredIllegal: return "ignored_illegal";
        }
        return "ignored_illegal";
    };
    boost::json::array results;
    results.reserve(outcomes.size());
    for (const auto& [operation_id, outcome] : outcomes)
        results.push_back(boost::json::object{{"operation_id", operation_id}, {"outcome", word(outcome)}});
    return http::HttpResponse::json(200, {{"success", true}, {"results", std::move(results)}});
}

}  // namespace fleet::backend
