#include "backend/operations/operation_telemetry.hpp"

#include "backend/core/event_bus.hpp"
#include "backend/metrics.hpp"
#include "common/log.hpp"

#include <chrono>

namespace fleet::backend {
namespace {

std::int64_t milliseconds(std::chrono::nanoseconds span) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(span).count();
}

}  // namespace

OperationTelemetry::OperationTelemetry(EventBus& events, DomainMetrics& metrics) {
    events.subscribe<OperationEnded>([&metrics](const OperationEnded& ended) {
        const OperationRecord& operation = *ended.operation;
        const SystemTime end = operation.completed_at.value_or(operation.updated_at);
        std::optional<std::chrono::nanoseconds> ran;
        if (operation.started_at) ran = end - *operation.started_at;
        metrics.finished(operation.domain, operation.status, ran);
        log::info("operation ended", log::field("operation_id", operation.operation_id),
                  log::field("domain", operation.domain), log::field("worker_id", operation.worker_id),
                  log::field("status", to_string(operation.status)),
                  log::field("run_ms", ran ? milliseconds(*ran) : -1),
                  log::field("duration_ms", milliseconds(end - operation.created_at)));
    });
}

}  // namespace fleet::backend
