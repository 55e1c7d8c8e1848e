#include "backend/api/requests.hpp"

#include "backend/operations/operation_lifecycle.hpp"
#include "common/http/error.hpp"
#include "common/operation_status.hpp"
#include "common/json/fields.hpp"

#include <boost/url/parse.hpp>

#include <algorithm>

namespace fleet::backend {

Registration parse_registration(const boost::json::object& body) {
    json::reject_unknown_fields(body, {"worker_id", "worker_type", "domain", "endpoint_url", "capabilities",
                                       "max_concurrent", "version", "current_operation_id", "current_operation_ids",
                                       "completed_operations"});
    Registration r;
    r.worker_id = json::required_string(body, "worker_id");
    http::require_plain_id(r.worker_id, "'worker_id'");
    r.worker_type = json::required_string(body, "worker_type");
    http::require_plain_id(r.worker_type, "'worker_type'");
    r.domain = json::optional_string(body, "domain").value_or("");
    if (r.domain.empty()) {
        r.domain = r.worker_type;
        for (char& c : r.domain) c = c == '_' ? '-' : c;
    }
    http::require_plain_id(r.domain, "'domain'");
    r.endpoint_url = json::required_string(body, "endpoint_url");
    const auto url = boost::urls::parse_absolute_uri(r.endpoint_url);
    json::require(url && (url->scheme() == "http" || url->scheme() == "https") && !url->host().empty(),
                  "endpoint_url", "must be an http:// or https:// URL with a host");
    while (!r.endpoint_url.empty() && r.endpoint_url.back() == '/') r.endpoint_url.pop_back();
    if (const auto* capabilities = json::optional_object(body, "capabilities")) r.capabilities = *capabilities;
    const auto max_concurrent = json::optional_int(body, "max_concurrent").value_or(1);
    json::require(max_concurrent >= 1 && max_concurrent <= 1024, "max_concurrent", "must be from 1 to 1024");
    r.max_concurrent = static_cast<std::size_t>(max_concurrent);
    r.version = json::optional_string(body, "version").value_or("");
    auto add_current = [&r](std::string id) {
        http::require_plain_id(id, "'current_operation_ids'");
        if (std::find(r.current_operation_ids.begin(), r.current_operation_ids.end(), id) == r.current_operation_ids.end())
            r.current_operation_ids.push_back(std::move(id));
    };
    if (auto current = json::optional_string(body, "current_operation_id")) add_current(std::move(*current));
    if (const auto* all = json::optional_array(body, "current_operation_ids")) {
        for (const auto& id : *all) {
            json::require(id.is_string(), "current_operation_ids", "must be an array of operation ids");
            add_current(std::string(id.get_string()));
        }
    }
    r.completed_operations = parse_completed_operations(body);
    return r;
}

boost::json::array parse_completed_operations(const boost::json::object& body) {
    const auto* completed = json::optional_array(body, "completed_operations");
    if (!completed) return {};
    for (const auto& item : *completed) {
        json::require(item.is_object(), "completed_operations", "must be an array of objects");
        const auto id = json::required_string(item.as_object(), "operation_id");
        http::require_plain_id(id, "'completed_operations[].operation_id'");
        const auto status = parse_operation_status(json::required_string(item.as_object(), "status"));
        json::require(status && is_terminal(*status), "completed_operations",
                      "entries need a final status: completed, failed or cancelled");
    }
    return *completed;
}

boost::json::array parse_goodbye(const std::string& body) {
    if (body.empty()) return {};
    const auto object = json::parse_object(body);
    json::reject_unknown_fields(object, {"completed_operations"});
    return parse_completed_operations(object);
}

void check_report(const boost::json::object& view) {
    const auto* progress = view.if_contains("progress");
    if (!progress) return;
    json::require(progress->is_object(), "progress", "must be an object");
    if (auto problem = lifecycle::progress_problem(progress->get_object())) throw http::bad_request(*problem);
}

boost::json::array parse_report_batch(const std::string& body) {
    auto object = json::parse_object(body);
    json::reject_unknown_fields(object, {"events"});
    const auto* events = json::optional_array(object, "events");
    json::require(events != nullptr, "events", "is required: an array of operation reports");
    json::require(!events->empty() && events->size() <= kMaxReportsPerBatch, "events",
                  "must hold from 1 to " + std::to_string(kMaxReportsPerBatch) + " reports");
    for (const auto& item : *events) {
        json::require(item.is_object(), "events", "must be an array of objects");
        http::require_plain_id(json::required_string(item.as_object(), "operation_id"), "'events[].operation_id'");
        check_report(item.as_object());
    }
    return std::move(object.at("events").as_array());
}

StartRequest parse_start(std::string domain, boost::json::object body) {
    StartRequest r;
    r.domain = std::move(domain);
    r.priority = json::optional_int(body, "priority").value_or(0);
    if (const auto* requirements = json::optional_object(body, "requirements")) r.requirements = *requirements;
    const auto retries = json::optional_int(body, "max_retries").value_or(0);
    json::require(retries >= 0 && retries <= 100, "max_retries", "must be from 0 to 100");
    r.max_retries = static_cast<int>(retries);
    // The backend names the operation; the rest goes to the worker as it came.
    for (auto key : {"priority", "requirements", "max_retries", "task_id"}) body.erase(key);
    r.parameters = std::move(body);
    return r;
}

}  // namespace fleet::backend
