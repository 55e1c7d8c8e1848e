#include "workers/echo/echo_engine.hpp"

#include "common/json/fields.hpp"
#include "common/json/text.hpp"

#include <algorithm>
#include <chrono>
#include <stdexcept>

namespace fleet::workers::echo {
namespace {

constexpr std::int64_t kMaxDurationMs = 86'400'000;
constexpr std::int64_t kMaxSteps = 100'000;
constexpr std::int64_t kMaxResultBytes = 1'073'741'824;
// Past these an echo of no duration is still work to run off the I/O threads.
constexpr std::int64_t kInstantMaxSteps = 10;
constexpr std::int64_t kInstantMaxResultBytes = 64 * 1024;

void sleep_until_or_cancel(std::chrono::steady_clock::time_point deadline, const worker::CancellationToken& token) {
    if (token.wait_until(deadline)) throw worker::OperationCancelled();
}

}  // namespace

EchoParams parse_echo(const boost::json::object& request) {
    EchoParams params;
    params.duration_ms = json::optional_int(request, "duration_ms").value_or(0);
    json::require(params.duration_ms >= 0 && params.duration_ms <= kMaxDurationMs, "duration_ms",
                  "must be between 0 and 86400000");
    params.steps = json::optional_int(request, "steps").value_or(10);
    json::require(params.steps >= 1 && params.steps <= kMaxSteps, "steps", "must be between 1 and 100000");
    params.fail_with = json::optional_string(request, "fail_with");
    params.result_bytes = json::optional_int(request, "result_bytes");
    json::require(!params.result_bytes || (*params.result_bytes >= 0 && *params.result_bytes <= kMaxResultBytes),
                  "result_bytes", "must be between 0 and 1073741824");
    params.parameters = request;
    return params;
}

boost::json::value run_echo(const EchoParams& params, worker::ProgressBridge& progress,
                            const worker::CancellationToken& token) {
    progress.start();
    progress.set_field("total_steps", params.steps);
    progress.set_field("current_step_index", 0);
    progress.update(0, "step 0/" + std::to_string(params.steps));

    const auto started = std::chrono::steady_clock::now();
    const std::chrono::milliseconds duration(params.duration_ms);
    for (std::int64_t i = 1; i <= params.steps; ++i) {
        sleep_until_or_cancel(started + duration * i / params.steps, token);
        progress.set_field("current_step_index", i);
        progress.update(100.0 * static_cast<double>(i) / static_cast<double>(params.steps),
                        "step " + std::to_string(i) + "/" + std::to_string(params.steps));
        progress.record_metric("step", static_cast<double>(i));
    }

    if (params.fail_with) throw std::runtime_error(*params.fail_with);

    boost::json::object result(4);  // the most keys it gets: one table, never grown
    result["echo"] = params.parameters;
    result["steps"] = params.steps;
    result["duration_ms"] = params.duration_ms;
    if (params.result_bytes) {
        // 'x' needs no escaping: each one adds exactly one byte to the JSON.
        result["padding"] = "";
        const auto size = static_cast<std::int64_t>(json::text_size(result));
        if (*params.result_bytes > size)
            result["padding"] = std::string(static_cast<std::size_t>(*params.result_bytes - size), 'x');
    }
    return result;
}

bool is_instant(const EchoParams& params) {
    return params.duration_ms == 0 && params.steps <= kInstantMaxSteps &&
           (!params.result_bytes || *params.result_bytes <= kInstantMaxResultBytes);
}

worker::WorkerType worker_type() {
    return worker::make_worker_type<EchoParams>("echo", "", &parse_echo, &run_echo, &is_instant);
}

}  // namespace fleet::workers::echo
