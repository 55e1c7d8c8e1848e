#pragma once

#include "common/http/sse_parser.hpp"
#include "tools/fleetctl/backend_client.hpp"
#include "tools/fleetctl/command.hpp"
#include "tools/fleetctl/exit_code.hpp"

#include <functional>
#include <optional>
#include <string>

namespace fleet::ctl {

struct WatchState {
    std::string status;
    double progress = 0;
    std::string message;
};

// What --watch follows: where its state is read, which events move it, and
// which statuses end it.
struct WatchTarget {
    std::string label;         // "op_123", shown before the bar
    std::string state_path;    // GET for the whole state (and the final answer printed)
    std::string events_query;  // the event stream's filters
    std::function<WatchState(const boost::json::value& answer)> read_state;
    // The state after an event; nothing when the event asks for a fresh GET instead.
    std::function<std::optional<WatchState>(const http::SseEvent& event, const boost::json::object& data,
                                            const WatchState& current)>
        apply_event;
    std::function<bool(const std::string& status)> terminal;
    std::function<bool(const std::string& status)> succeeded;
};

struct WatchResult {
    Answer final;   // the last GET of state_path
    ExitCode code;  // Ok when it succeeded, Failed otherwise
};

// Follows `target` on the event stream until it reaches a terminal status,
// drawing a progress bar on ctx.err; reconnects with Last-Event-ID when the
// stream drops, re-reads the state after a `gap`, and polls GET when the
// backend has no event stream (404). Unreachable for 30 s: CliError(Unreachable).
WatchResult watch(Context& ctx, const WatchTarget& target);

// The targets fleetctl watches.
WatchTarget operation_target(const std::string& operation_id);
WatchTarget run_target(const std::string& run_id, const std::string& operation_id);
WatchTarget workflow_target(const std::string& workflow_id);

// Prints the end of a watch (the final state as a table, or the JSON) and returns its exit code.
int finish_watch(Context& ctx, const WatchResult& result,
                 const std::function<void(Context&, const Answer&)>& print_table);

}  // namespace fleet::ctl
