#include "backend/api/admin_requests.hpp"

#include "common/http/error.hpp"
#include "common/http/query.hpp"
#include "common/json/fields.hpp"
#include "common/json/time.hpp"

namespace fleet::backend {
namespace {

constexpr std::size_t kMaxKeyLength = 255;
constexpr std::size_t kMaxRunsPage = 100;

std::string known_bots(const std::vector<worker::WorkerType>& types) {
    std::string out;
    for (const auto& type : types) out += (out.empty() ? "" : ", ") + type.type;
    return out;
}

}  // namespace

const worker::WorkerType& resolve_bot(const std::string& bot, const std::vector<worker::WorkerType>& types) {
    for (const auto& type : types)
        if (type.type == bot || type.domain == bot) return type;
    throw http::ApiError(400, "unknown bot '" + bot + "'; known bots: " + known_bots(types),
                         {{"known_bots", [&] {
                               boost::json::array names;
                               for (const auto& type : types) names.emplace_back(type.type);
                               return names;
                           }()}});
}

RunRequest parse_run_request(const boost::json::object& body, const std::string& idempotency_key,
                             const std::vector<worker::WorkerType>& types) {
    json::reject_unknown_fields(body, {"bot", "params", "strict"});
    const auto& type = resolve_bot(json::required_string(body, "bot"), types);
    RunRequest request;
    request.bot = type.type;
    request.domain = type.domain;
    if (const auto* params = json::optional_object(body, "params")) request.params = *params;
    json::require(!request.params.contains("task_id"), "params",
                  "must not name a 'task_id': the backend names the run");
    request.strict = json::optional_bool(body, "strict").value_or(false);
    // The worker type's own parser says whether it would take them; nothing is run.
    try {
        (void)type.prepare(request.params);
    } catch (const http::ApiError& error) {
        throw http::ApiError(400, std::string("params refused by ") + type.type + ": " + error.what(),
                             {{"bot", type.type}});
    }
    request.idempotency_key = idempotency_key;
    return request;
}

bool parse_rerun_strict(const std::string& body) {
    if (body.empty()) return false;
    const auto object = json::parse_object(body, true);
    json::reject_unknown_fields(object, {"strict"});
    return json::optional_bool(object, "strict").value_or(false);
}

std::string parse_idempotency_key(const std::string& header) {
    if (header.empty()) return {};
    bool printable = header.size() <= kMaxKeyLength;
    for (const char c : header) printable = printable && c > ' ' && c < 0x7f;
    if (!printable) throw http::bad_request("header 'Idempotency-Key' must be 1 to 255 printable ASCII characters");
    return header;
}

RunQuery parse_run_query(const http::HttpRequest& request, const std::vector<worker::WorkerType>& types) {
    RunQuery query;
    if (auto bot = http::query_text(request, "bot")) query.bot = resolve_bot(*bot, types).type;
    if (auto status = http::query_text(request, "status")) {
        query.status = parse_run_status(*status);
        if (!query.status)
            throw http::bad_request(
                "query parameter 'status' must be one of pending, running, finished, failed, cancelled");
    }
    if (auto since = http::query_text(request, "since")) {
        query.since = json::parse_iso8601(*since);
        if (!query.since)
            throw http::bad_request("query parameter 'since' must be an ISO 8601 time, e.g. 2026-11-30T02:00:00Z");
    }
    query.limit = http::query_size(request, "limit", 20, kMaxRunsPage);
    if (query.limit == 0) throw http::bad_request("query parameter 'limit' must be from 1 to 100");
    query.offset = http::query_size(request, "offset", 0, 1'000'000'000);
    return query;
}

}  // namespace fleet::backend
