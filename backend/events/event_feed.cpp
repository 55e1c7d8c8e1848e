#include "backend/events/event_feed.hpp"

#include "backend/core/core_timers.hpp"
#include "backend/core/event_bus.hpp"
#include "backend/events/event_filter.hpp"
#include "backend/events/event_history.hpp"
#include "backend/events/status_waits.hpp"
#include "common/json/text.hpp"
#include "common/run_status.hpp"

#include <boost/json/object.hpp>

namespace fleet::backend {
namespace {

using json::text_or_null;

template <typename Status>
boost::json::value status_or_null(const std::optional<Status>& status) {
    if (!status) return nullptr;
    return boost::json::string(to_string(*status));
}

double percentage_of(const OperationGlance& operation) {
    const auto* value = operation.progress.if_contains("percentage");
    if (!value || !value->is_number()) return operation.status == OperationStatus::Completed ? 100.0 : 0.0;
    return value->to_number<double>();
}

// An event's data written straight as text, key by key: the same text json::to_text gives for
// an object built in the same order, without building the object (operation.status, the hot path:
// two or three an operation, and operation.progress).
class DataText {
public:
    DataText() {
        text_.reserve(384);
        text_ += '{';
    }
    // Goes on writing what open() gave back.
    explicit DataText(std::string open) : text_(std::move(open)) {}
    DataText& string(std::string_view key, std::string_view value) {
        name(key);
        json::append_quoted(text_, value);
        return *this;
    }
    DataText& string_or_null(std::string_view key, std::string_view value) {  // as text_or_null
        if (value.empty()) return null(key);
        return string(key, value);
    }
    DataText& null(std::string_view key) {
        name(key);
        text_ += "null";
        return *this;
    }
    DataText& number(std::string_view key, double value) { return value_of(key, boost::json::value(value)); }
    DataText& value_of(std::string_view key, const boost::json::value& value) {
        name(key);
        json::append_text(text_, value);
        return *this;
    }
    // The text so far, to be taken up again by DataText(std::string).
    std::string open() && { return std::move(text_); }
    std::string done() && {
        text_ += '}';
        return std::move(text_);
    }

private:
    // Keys are this file's own literals, which need no escape: written as they are.
    void name(std::string_view key) {
        if (text_.size() > 1) text_ += ',';
        text_ += '"';
        text_ += key;
        text_ += "\":";
    }
    std::string text_;
};

// The ids an operation event concerns.
EventKeys operation_keys(const OperationGlance& operation) {
    EventKeys keys{.operation_id = operation.operation_id, .worker_id = operation.worker_id};
    if (const auto attempt = workflows::attempt_of(operation.operation_id)) keys.workflow_id = attempt->workflow_id;
    return keys;
}

// What every operation event says of the operation first.
void operation_fields(const EventKeys& keys, std::string_view domain, DataText& data) {
    data.string("operation_id", keys.operation_id)
        .string("operation_type", domain)
        .string_or_null("worker_id", keys.worker_id);
    if (const auto attempt = workflows::attempt_of(keys.operation_id))
        data.string("workflow_id", attempt->workflow_id).string("step", attempt->step);
    else
        data.null("workflow_id").null("step");
}

// What every operation event says of the operation first, and the ids it concerns.
EventKeys operation_fields(const OperationGlance& operation, DataText& data) {
    auto keys = operation_keys(operation);
    operation_fields(keys, operation.domain, data);
    return keys;
}

// Ends `data` with the event's time and appends the event to `history`.
void append_event(EventHistory& history, std::string_view type, EventKeys keys, DataText data, SystemTime now) {
    data.string("time", to_iso8601(now));
    history.append(type, std::move(keys), std::move(data).done(), now);
}

// A member of the worker's progress, or null.
const boost::json::value& progress_member(const OperationGlance& operation, std::string_view name) {
    static const boost::json::value null;
    const auto* value = operation.progress.if_contains(name);
    return value ? *value : null;
}

}  // namespace

EventFeed::EventFeed(EventBus& events, EventHistory& history, StatusWaits& waits, CoreTimers& timers,
                     const Clock& clock, RunBot run_bot, std::chrono::milliseconds progress_interval)
    : history_(history),
      waits_(waits),
      timers_(timers),
      clock_(clock),
      run_bot_(std::move(run_bot)),
      progress_interval_(progress_interval) {
    events.subscribe<OperationStatusChanged>([this](const OperationStatusChanged& changed) { on_status(changed); });
    events.subscribe<OperationProgressed>([this](const OperationProgressed& progressed) { on_progress(progressed); });
    // A worker at --max-concurrent 1 is BUSY and AVAILABLE again with every operation: two of
    // these an operation, written as text too.
    events.subscribe<WorkerStatusChanged>([this](const WorkerStatusChanged& changed) {
        append_worker_status(changed.worker_id, changed.worker_type, changed.endpoint_url,
                             changed.from ? std::string_view(to_string(*changed.from)) : std::string_view(),
                             to_string(changed.to));
    });
    events.subscribe<WorkerRemoved>([this](const WorkerRemoved& removed) {
        append_worker_status(removed.worker_id, removed.worker_type, removed.endpoint_url, to_string(removed.last),
                             "REMOVED");
    });
    events.subscribe<WorkflowStatusChanged>([this](const WorkflowStatusChanged& changed) {
        boost::json::object data{{"workflow_id", changed.workflow_id},
                                 {"schedule_id", text_or_null(changed.schedule_id)},
                                 {"from", to_string(changed.from)},
                                 {"to", to_string(changed.to)}};
        append("workflow.status", EventKeys{.workflow_id = changed.workflow_id, .schedule_id = changed.schedule_id},
               std::move(data));
        waits_.fire("workflow", changed.workflow_id);
    });
    events.subscribe<StepStatusChanged>([this](const StepStatusChanged& changed) {
        boost::json::object data{{"workflow_id", changed.workflow_id},
                                 {"step", changed.step},
                                 {"attempt", changed.attempt},
                                 {"operation_id", text_or_null(changed.operation_id)},
                                 {"from", to_string(changed.from)},
                                 {"to", to_string(changed.to)}};
        append("step.status",
               EventKeys{.operation_id = changed.operation_id, .workflow_id = changed.workflow_id},
               std::move(data));
    });
    events.subscribe<ScheduleFired>([this](const ScheduleFired& fired) {
        boost::json::object data{{"schedule_id", fired.schedule_id},
                                 {"scheduled_for", to_iso8601(fired.scheduled_for)},
                                 {"workflow_id", fired.workflow_id}};
        append("schedule.fired", EventKeys{.workflow_id = fired.workflow_id, .schedule_id = fired.schedule_id},
               std::move(data));
    });
    events.subscribe<ScheduleSkipped>([this](const ScheduleSkipped& skipped) {
        boost::json::object data{{"schedule_id", skipped.schedule_id},
                                 {"scheduled_for", to_iso8601(skipped.scheduled_for)},
                                 {"reason", skipped.reason}};
        append("schedule.skipped", EventKeys{.schedule_id = skipped.schedule_id}, std::move(data));
    });
}

void EventFeed::append(std::string_view type, EventKeys keys, boost::json::object data) {
    const auto now = clock_.now();
    if (!data.contains("time")) data["time"] = to_iso8601(now);
    history_.append(type, std::move(keys), json::to_text(data), now);
}

void EventFeed::append_worker_status(std::string_view worker_id, std::string_view worker_type,
                                     std::string_view endpoint, std::string_view from, std::string_view to) {
    // Two of these an operation at --max-concurrent 1: the text is made when a stream reads it.
    auto make_data = [worker_type = std::string(worker_type), endpoint = std::string(endpoint),
                      from = std::string(from), to = std::string(to)](const HistoryEntry& entry) {
        DataText data;
        data.string("worker_id", entry.keys.worker_id)
            .string("worker_type", worker_type)
            .string("endpoint", endpoint)
            .string_or_null("from", from)
            .string("to", to)
            .string("time", to_iso8601(entry.time));
        return std::move(data).done();
    };
    history_.append("worker.status", EventKeys{.worker_id = std::string(worker_id)}, std::move(make_data),
                    clock_.now());
}

void EventFeed::on_status(const OperationStatusChanged& changed) {
    const auto& operation = changed.operation;
    send_held(operation.operation_id);
    if (is_terminal(operation.status)) progress_.erase(operation.operation_id);

    const auto bot = run_bot_ ? run_bot_(operation.operation_id) : std::nullopt;
    auto keys = operation_keys(operation);
    if (bot) keys.run_id = operation.operation_id;
    // Two or three of these an operation: what the text will say is kept, and made when a stream reads it.
    auto make_data = [domain = operation.domain, from = changed.from, to = operation.status,
                      progress = percentage_of(operation),
                      error = operation.error_message](const HistoryEntry& entry) {
        DataText data;
        operation_fields(entry.keys, domain, data);
        data.string_or_null("run_id", entry.keys.run_id);
        if (from) data.string("from", to_string(*from));
        else data.null("from");
        data.string("to", to_string(to))
            .number("progress", progress)
            .string_or_null("error_message", error)
            .string("time", to_iso8601(entry.time));
        return std::move(data).done();
    };
    history_.append("operation.status", keys, std::move(make_data), clock_.now());
    waits_.fire("operation", operation.operation_id);

    if (!bot) return;
    const auto to = run_status_of(operation.status);
    const std::optional<RunStatus> from =
        changed.from ? std::optional<RunStatus>(run_status_of(*changed.from)) : std::nullopt;
    if (from == to) return;  // queued -> pending: a run is pending all along
    boost::json::object run({{"run_id", operation.operation_id},
                             {"bot", *bot},
                             {"operation_id", operation.operation_id},
                             {"from", status_or_null(from)},
                             {"to", to_string(to)},
                             {"progress", run_progress(to, percentage_of(operation))},
                             {"error_message", text_or_null(operation.error_message)}});
    append("run.status", std::move(keys), std::move(run));
    waits_.fire("run", operation.operation_id);
}

void EventFeed::on_progress(const OperationProgressed& progressed) {
    const auto& operation = progressed.operation;
    if (is_terminal(operation.status)) return;  // its status event says the last word
    DataText data;
    auto keys = operation_fields(operation, data);
    if (run_bot_ && run_bot_(operation.operation_id)) keys.run_id = operation.operation_id;
    data.number("progress", percentage_of(operation));
    const auto& step = progress_member(operation, "current_step");
    if (step.is_string()) data.value_of("current_step", step);
    else data.null("current_step");
    data.value_of("estimated_remaining_seconds", progress_member(operation, "estimated_remaining_seconds"));

    const auto now = clock_.now();
    auto& progress = progress_[operation.operation_id];
    progress.held = std::move(data).open();  // its time is the sending's
    progress.keys = std::move(keys);
    if (progress.timer) return;  // sent when the interval has passed
    const auto due = progress.sent + progress_interval_;
    if (now >= due) {
        send_held(operation.operation_id);
        return;
    }
    progress.timer = timers_.at(due, [this, id = operation.operation_id] {
        if (const auto it = progress_.find(id); it != progress_.end()) it->second.timer.reset();
        send_held(id);
    });
}

void EventFeed::send_held(const std::string& operation_id) {
    const auto it = progress_.find(operation_id);
    if (it == progress_.end() || !it->second.held) return;
    auto& progress = it->second;
    if (progress.timer) timers_.cancel(*std::exchange(progress.timer, std::nullopt));
    progress.sent = clock_.now();
    append_event(history_, "operation.progress", progress.keys,
                 DataText(std::move(*std::exchange(progress.held, std::nullopt))), progress.sent);
}

}  // namespace fleet::backend
