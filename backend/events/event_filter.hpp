#pragma once

#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace fleet::backend {

// The ids an event concerns; empty where it concerns none of that kind.
struct EventKeys {
    std::string operation_id;
    std::string worker_id;
    std::string workflow_id;
    std::string schedule_id;
    std::string run_id;

    bool operator==(const EventKeys&) const = default;
};

// Which events a stream's reader wants: types (a family such as `operation`,
// or an exact type such as `operation.progress`; none: all) and ids, all of
// which must match.
struct EventFilter {
    std::vector<std::string> types;
    EventKeys keys;

    bool accepts(std::string_view type, const EventKeys& event) const;

    bool operator==(const EventFilter&) const = default;
};

// The event types the feed writes (proto_docs/events.md).
inline constexpr std::string_view kEventTypes[] = {
    "worker.status", "operation.status", "operation.progress", "run.status",
    "workflow.status", "step.status", "schedule.fired", "schedule.skipped", "gap"};

// `types` as a client wrote it: comma-separated families or types. An
// unknown word is an error naming the known ones.
std::variant<std::vector<std::string>, std::string> parse_event_types(std::string_view text);

}  // namespace fleet::backend
