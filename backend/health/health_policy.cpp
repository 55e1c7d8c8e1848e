#include "backend/health/health_policy.hpp"

#include "backend/registry/worker_lifecycle.hpp"

#include <algorithm>
#include <optional>
#include <string_view>

namespace fleet::backend {
namespace {

// The worker_status words a worker reports on /health.
std::optional<WorkerStatus> from_reported(std::string_view reported) {
    if (reported == "idle") return WorkerStatus::Available;
    if (reported == "busy") return WorkerStatus::Busy;
    if (reported == "draining") return WorkerStatus::Draining;
    return std::nullopt;
}

bool is_unavailable(const WorkerRecord& worker) { return worker.status == WorkerStatus::TemporarilyUnavailable; }

HealthTransition mark_unavailable(WorkerRecord& worker, SystemTime now) {
    worker_lifecycle::lost(worker, now);
    return HealthTransition::BecameUnavailable;
}

// A worker already unavailable stays so; one loaded without its
// unavailable_since gets one now, so that it can still be removed in time.
HealthTransition stay_unavailable(WorkerRecord& worker, SystemTime now) {
    if (!worker.unavailable_since) worker.unavailable_since = now;
    return HealthTransition::None;
}

HealthTransition ambiguous_failure(WorkerRecord& worker, SystemTime now, const HealthSettings& settings) {
    ++worker.health_check_failures;
    if (is_unavailable(worker)) return stay_unavailable(worker, now);
    if (worker.health_check_failures >= std::max(1, settings.failure_threshold)) return mark_unavailable(worker, now);
    return HealthTransition::None;
}

HealthTransition definite_failure(WorkerRecord& worker, SystemTime now) {
    ++worker.health_check_failures;
    if (is_unavailable(worker)) return stay_unavailable(worker, now);
    return mark_unavailable(worker, now);
}

}  // namespace

HealthTransition apply_probe(WorkerRecord& worker, const ProbeResult& result, SystemTime now,
                             const HealthSettings& settings) {
    switch (result.outcome) {
        case ProbeOutcome::Healthy: {
            const auto status = from_reported(result.worker_status);
            // An answer we cannot read is no proof of health.
            if (!status) return ambiguous_failure(worker, now, settings);
            const bool was_unavailable = is_unavailable(worker);
            worker.health_check_failures = 0;
            worker.last_health_check = now;
            worker_lifecycle::answered(worker, *status);
            return was_unavailable ? HealthTransition::Recovered : HealthTransition::None;
        }
        case ProbeOutcome::DefiniteFailure: return definite_failure(worker, now);
        case ProbeOutcome::AmbiguousFailure: return ambiguous_failure(worker, now, settings);
    }
    return ambiguous_failure(worker, now, settings);
}

HealthTransition check_removal(const WorkerRecord& worker, SystemTime now, const HealthSettings& settings) {
    if (!is_unavailable(worker) || !worker.unavailable_since) return HealthTransition::None;
    return *worker.unavailable_since + settings.remove_after <= now ? HealthTransition::Remove
                                                                     : HealthTransition::None;
}

}  // namespace fleet::backend
