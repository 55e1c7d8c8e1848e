#include "backend/api/operation_answers.hpp"

#include "backend/api/responses.hpp"
#include "common/http/error.hpp"

#include <boost/json/array.hpp>

namespace fleet::backend {
namespace {

using http::HttpResponse;

HttpResponse not_found(const std::string& operation_id) {
    return http::error_response(404, "operation '" + operation_id + "' not found");
}

HttpResponse unreachable(const std::string& error) { return http::error_response(502, "worker unreachable: " + error); }

HttpResponse relay(const WorkerAnswer& answer) {
    HttpResponse out;
    out.status = answer.status;
    out.body = answer.body;
    return out;
}

HttpResponse cancelled(const std::string& operation_id, std::string_view message) {
    return HttpResponse::json(200, {{"success", true}, {"operation_id", operation_id}, {"message", message}});
}

}  // namespace

HttpResponse get_answer(const OperationLookup& lookup, const std::string& operation_id) {
    using Kind = OperationLookup::Kind;
    switch (lookup.kind) {
        case Kind::Found: return HttpResponse::json(200, operation_answer(lookup.operation));
        case Kind::NotFound: return not_found(operation_id);
        case Kind::ReadFailed: break;
    }
    return http::error_response(500, "internal error");
}

HttpResponse list_answer(const OperationRows& rows, const OperationQuery& query) {
    boost::json::array items;
    items.reserve(rows.operations.size());
    for (const auto& operation : rows.operations) items.push_back(to_json(operation));
    return HttpResponse::json(
        200, {{"success", true},
              {"data",
               {{"operations", std::move(items)},
                {"total", rows.total},
                {"limit", query.limit},
                {"offset", query.offset},
                {"next_cursor", rows.next ? boost::json::value(to_string(*rows.next)) : boost::json::value(nullptr)}}}});
}

HttpResponse metrics_answer(const MetricsResult& result, const std::string& operation_id) {
    using Kind = MetricsResult::Kind;
    switch (result.kind) {
        case Kind::NotFound: return not_found(operation_id);
        case Kind::NoWorker:
            return HttpResponse::json(200, {{"success", true},
                                            {"data",
                                             {{"operation_id", operation_id},
                                              {"metrics", boost::json::array{}},
                                              {"cursor", "0"},
                                              {"has_more", false}}}});
        case Kind::Answered: return relay(result.worker);
        case Kind::Unreachable: return unreachable(result.error);
    }
    return http::error_response(500, "internal error");
}

HttpResponse cancel_answer(const CancelResult& result, const std::string& operation_id) {
    using Kind = CancelResult::Kind;
    switch (result.kind) {
        case Kind::CancelledWhileQueued: return cancelled(operation_id, "cancelled while queued");
        case Kind::CancelledHere: return cancelled(operation_id, "cancelled");
        case Kind::WorkerAgreed:
        case Kind::WorkerRefused: return relay(result.worker);
        case Kind::NotFound: return not_found(operation_id);
        case Kind::AlreadyFinal: {
            const auto status = to_string(result.final_status);
            return http::error_response(409, "operation '" + operation_id + "' already " + std::string(status),
                                        {{"status", status}});
        }
        case Kind::NoWorker:
            return http::error_response(409, "operation '" + operation_id + "' has no worker to cancel it on");
        case Kind::Unreachable: return unreachable(result.error);
    }
    return http::error_response(500, "internal error");
}

}  // namespace fleet::backend
