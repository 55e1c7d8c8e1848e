#include "worker_base/operation_json.hpp"

#include "common/json/time.hpp"

#include <boost/json/array.hpp>

namespace fleet::worker {

boost::json::object to_json(const ProgressSnapshot& progress, boost::json::storage_ptr storage) {
    // Room for every key up front: growing a JSON object rehashes it.
    boost::json::object out(progress.fields.size() + 3, std::move(storage));
    for (const auto& field : progress.fields) out.emplace(field.key(), field.value());
    out["percentage"] = progress.percentage;
    out["current_step"] = progress.current_step;
    if (progress.estimated_remaining_seconds) out["estimated_remaining_seconds"] = *progress.estimated_remaining_seconds;
    else out["estimated_remaining_seconds"] = nullptr;
    return out;
}

boost::json::object to_json(const OperationView& operation, boost::json::storage_ptr storage) {
    // 11 keys, and one more for the registrar's instance_id.
    boost::json::object out(12, storage);
    out["operation_id"] = operation.operation_id;
    out["operation_type"] = operation.operation_type;
    out["status"] = to_string(operation.status);
    out["progress"] = to_json(operation.progress, std::move(storage));
    if (operation.metadata) out["metadata"] = *operation.metadata;
    else out["metadata"].emplace_object();
    if (operation.result) out["result"] = *operation.result;
    else out["result"] = nullptr;
    out["error_message"] = operation.error_message.empty() ? boost::json::value(nullptr)
                                                           : boost::json::value(operation.error_message);
    out["created_at"] = to_iso8601(operation.created_at);
    out["updated_at"] = to_iso8601(operation.updated_at);
    out["started_at"] = json::iso8601_or_null(operation.started_at);
    out["completed_at"] = json::iso8601_or_null(operation.completed_at);
    return out;
}

const std::vector<std::string_view>& operation_fields() {
    static const std::vector<std::string_view> fields{"operation_id", "operation_type", "status",     "progress",
                                                      "metadata",     "result",         "error_message", "created_at",
                                                      "updated_at",   "started_at",     "completed_at"};
    return fields;
}

boost::json::object to_json(const std::string& operation_id, const MetricsPage& page) {
    boost::json::array metrics;
    metrics.reserve(page.metrics.size());
    for (const auto& metric : page.metrics) {
        metrics.push_back(boost::json::object{
            {"timestamp", to_iso8601(metric.timestamp)}, {"name", metric.name}, {"value", metric.value}});
    }
    boost::json::object out;
    out["operation_id"] = operation_id;
    out["metrics"] = std::move(metrics);
    out["cursor"] = std::to_string(page.cursor);
    out["has_more"] = page.has_more;
    return out;
}

}  // namespace fleet::worker
