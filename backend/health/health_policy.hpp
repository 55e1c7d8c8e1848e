#pragma once

#include "backend/health/probe_result.hpp"
#include "backend/registry/worker_record.hpp"
#include "common/clock.hpp"

#include <chrono>

namespace fleet::backend {

struct HealthSettings {
    int failure_threshold = 3;
    std::chrono::milliseconds remove_after{300'000};
};

// What a probe result or the passing of time did to a worker.
enum class HealthTransition {
    None,
    Recovered,         // was TEMPORARILY_UNAVAILABLE, answers again
    BecameUnavailable, // crossed the threshold, or a definite failure: its work must be resolved
    Remove,            // unavailable for remove_after: leaves the registry
};

// Applies one probe: success clears failures and sets AVAILABLE/BUSY/DRAINING
// from the reported worker_status; an ambiguous failure adds one and makes the
// worker unavailable at the threshold; a definite failure makes it unavailable
// at once. Sets last_health_check, unavailable_since.
HealthTransition apply_probe(WorkerRecord& worker, const ProbeResult& result, SystemTime now,
                             const HealthSettings& settings);

// Remove once a worker has been unavailable for remove_after.
HealthTransition check_removal(const WorkerRecord& worker, SystemTime now, const HealthSettings& settings);

}  // namespace fleet::backend
