#pragma once

#include "common/json/fields.hpp"
#include "worker_base/cancellation.hpp"
#include "worker_base/progress_bridge.hpp"

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <functional>
#include <string>
#include <string_view>

namespace fleet::worker {

// One prepared unit of work: the validated request (shown as the operation's
// metadata) and the engine call bound to its typed parameters.
struct PreparedWork {
    boost::json::object parameters;
    std::function<boost::json::value(ProgressBridge&, const CancellationToken&)> run;
    // The run ends at once and never blocks (an echo of no duration): it may
    // run on the thread that started it, sparing two thread hand-offs.
    bool instant = false;
};

// What a worker type plugs into WorkerApiBase: its names and a function that
// validates a start request (throwing ApiError 400 naming the bad parameter)
// and returns the work to run. Engines never see HTTP.
struct WorkerType {
    std::string type;    // e.g. "data_processing"
    std::string domain;  // e.g. "data-processing"; the start path is /<domain>/start
    std::function<PreparedWork(boost::json::object request)> prepare;
};

// `data_processing` -> `data-processing`.
std::string default_domain(std::string_view type);

// The usual way to make a WorkerType from a typed engine:
//   Params parse(const boost::json::object& request);            // throws ApiError 400
//   boost::json::value run(const Params&, ProgressBridge&, const CancellationToken&);
//   bool instant(const Params&);  // optional: the run ends at once, without blocking
// `domain` empty means default_domain(type). `task_id` is removed before parsing.
template <typename Params>
WorkerType make_worker_type(std::string type, std::string domain, Params (*parse)(const boost::json::object&),
                            boost::json::value (*run)(const Params&, ProgressBridge&, const CancellationToken&),
                            bool (*instant)(const Params&) = nullptr) {
    WorkerType wt;
    wt.domain = domain.empty() ? default_domain(type) : std::move(domain);
    wt.type = std::move(type);
    wt.prepare = [parse, run, instant](boost::json::object parameters) {
        parameters.erase("task_id");
        Params params = parse(parameters);
        PreparedWork work;
        work.instant = instant && instant(params);
        work.parameters = std::move(parameters);
        work.run = [params = std::move(params), run](ProgressBridge& progress, const CancellationToken& token) {
            return run(params, progress, token);
        };
        return work;
    };
    return wt;
}

}  // namespace fleet::worker
