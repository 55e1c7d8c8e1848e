#pragma once

#include "worker_base/cancellation.hpp"
#include "worker_base/progress_bridge.hpp"
#include "worker_base/worker_type.hpp"

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <optional>
#include <string>

// The `echo` worker type: waits, reports progress and hands its parameters back.
// It exists to exercise the fleet (progress, metrics, cancellation, failures)
// without real work.
namespace fleet::workers::echo {

struct EchoParams {
    std::int64_t duration_ms = 0;  // 0..86'400'000, spread evenly over the steps
    std::int64_t steps = 10;       // 1..100'000
    // When set, the run throws std::runtime_error with this message after its steps.
    std::optional<std::string> fail_with;
    // When set, the result is padded (a `padding` string) to this many bytes of JSON: a result of
    // a chosen size, for trying the fleet's limits. 0..1 GiB.
    std::optional<std::int64_t> result_bytes;
    // The whole request; every field is accepted and echoed back.
    boost::json::object parameters;
};

// Throws ApiError 400 naming `duration_ms`, `steps`, `fail_with` or `result_bytes`.
EchoParams parse_echo(const boost::json::object& request);

// Result: {"echo": <parameters>, "steps": n, "duration_ms": d, "padding"?: "xx…"}.
// Progress fields: current_step_index, total_steps; metric `step` once per step.
boost::json::value run_echo(const EchoParams& params, worker::ProgressBridge& progress,
                            const worker::CancellationToken& token);

// An echo of no duration, few steps and a small result: it ends at once.
bool is_instant(const EchoParams& params);

// Type `echo`, domain `echo`.
worker::WorkerType worker_type();

}  // namespace fleet::workers::echo
