#include "backend/api/event_routes.hpp"

#include "backend/events/event_filter.hpp"
#include "backend/events/event_history.hpp"
#include "backend/events/event_stream.hpp"
#include "common/http/error.hpp"
#include "common/http/query.hpp"

#include <charconv>

namespace fleet::backend {
namespace {

// The event id a client resumes from (Last-Event-ID, or the query parameter for clients that cannot set it).
std::optional<std::uint64_t> resume_id(const http::HttpRequest& request) {
    std::string text = request.last_event_id;
    if (text.empty()) text = http::query_text(request, "last_event_id").value_or("");
    if (text.empty()) return std::nullopt;
    std::uint64_t id = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
    if (ec != std::errc{} || end != text.data() + text.size())
        throw http::bad_request("Last-Event-ID must be the id of an event this stream sent (a decimal number)");
    return id;
}

EventFilter filter_of(const http::HttpRequest& request) {
    EventFilter filter;
    if (auto types = http::query_text(request, "types")) {
        auto parsed = parse_event_types(*types);
        if (auto* error = std::get_if<std::string>(&parsed)) throw http::bad_request("query parameter 'types': " + *error);
        filter.types = std::move(std::get<std::vector<std::string>>(parsed));
    }
    const auto id = [&](std::string_view name) {
        auto value = http::query_text(request, name).value_or("");
        if (!value.empty()) http::require_plain_id(value, name);
        return value;
    };
    filter.keys = {id("operation_id"), id("worker_id"), id("workflow_id"), id("schedule_id"), id("run_id")};
    return filter;
}

}  // namespace

void add_event_routes(http::Router& router, EventHistory& history, EventStreamLimits& limits) {
    router.add(http::Method::Get, "/api/v1/events", [&](const http::HttpRequest& request) {
        auto filter = filter_of(request);
        const auto resumed = resume_id(request);
        if (limits.open->load() >= limits.max_streams)
            throw http::ApiError(503, "too many event streams open (" + std::to_string(limits.max_streams) + ")")
                .with_header("Retry-After", "5");
        auto stream = std::make_shared<EventStream>(history, std::move(filter), resumed.value_or(history.last_id()),
                                                    resumed.has_value(), limits.open);
        auto response = http::HttpResponse::text(200, stream->opening(), "text/event-stream");
        response.headers = {{"Cache-Control", "no-cache"}, {"X-Accel-Buffering", "no"}};
        response.stream = std::move(stream);
        return response;
    });
}

}  // namespace fleet::backend
