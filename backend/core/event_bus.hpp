#pragma once

#include "backend/operations/operation_record.hpp"
#include "backend/registry/worker_status.hpp"
#include "backend/workflows/workflow_state.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <variant>
#include <vector>

namespace fleet::backend {

// An operation's status changed (every move: queued, pending, running, ...,
// and the final one). `operation` is the record as saved, at a glance; `from`
// is empty for a new operation.
struct OperationStatusChanged {
    OperationGlance operation;
    std::optional<OperationStatus> from;
};

// The backend took in new progress for an operation (a refresh from its
// worker, or the worker's notice): the record with it, at a glance.
struct OperationProgressed {
    OperationGlance operation;
};

// An operation reached completed, failed or cancelled: its final record,
// shared by every subscriber (the finished cache keeps it).
struct OperationEnded {
    std::shared_ptr<const OperationRecord> operation;
};

// A worker's status changed, as worker_lifecycle decided it; `from` is empty
// for a worker new to the registry.
struct WorkerStatusChanged {
    std::string worker_id;
    std::optional<WorkerStatus> from;
    WorkerStatus to;
    std::string worker_type;
    std::string endpoint_url;
};

// A worker left the registry (it said goodbye, was unavailable too long, or a
// new registration replaced it at its endpoint).
struct WorkerRemoved {
    std::string worker_id;
    std::string worker_type;
    std::string endpoint_url;
    WorkerStatus last;
};

// A workflow's status changed, as decide() moved it (a new one moves from pending).
struct WorkflowStatusChanged {
    std::string workflow_id;
    std::string schedule_id;  // '' unless a schedule started it
    workflows::WorkflowStatus from;
    workflows::WorkflowStatus to;
};

// A workflow step's status changed, as decide() moved it.
struct StepStatusChanged {
    std::string workflow_id;
    std::string step;
    int attempt = 0;           // the latest attempt's number (0 before the first)
    std::string operation_id;  // the latest attempt's operation; '' for a signal step
    workflows::StepStatus from;
    workflows::StepStatus to;
};

// A schedule's due time started a workflow.
struct ScheduleFired {
    std::string schedule_id;
    SystemTime scheduled_for;
    std::string workflow_id;
};

// A schedule's due time was skipped (overlap policy, catch-up).
struct ScheduleSkipped {
    std::string schedule_id;
    SystemTime scheduled_for;
    std::string reason;
};

// What the core tells whoever listens.
using Event = std::variant<OperationStatusChanged, OperationProgressed, OperationEnded, WorkerStatusChanged,
                           WorkerRemoved, WorkflowStatusChanged, StepStatusChanged, ScheduleFired, ScheduleSkipped>;

// Events of the core thread with any number of subscribers, each delivered
// only once what led to it is committed (`after_commit`: the core's
// post_after_commit). Subscribers run on the core thread, in the order they
// subscribed; events arrive in the order they were published.
//
// The hot path publishes several events per operation: a kind nobody
// subscribes to costs one comparison (check `wanted` before building the
// event), and schedules nothing.
class EventBus {
public:
    using AfterCommit = std::function<void(std::function<void()>)>;
    using Subscription = std::uint64_t;

    explicit EventBus(AfterCommit after_commit);

    template <typename Kind>
    Subscription subscribe(std::function<void(const Kind&)> handler) {
        return add(index_of<Kind>(), [handler = std::move(handler)](const Event& event) { handler(std::get<Kind>(event)); });
    }
    void unsubscribe(Subscription subscription);

    // Whether anyone listens to `Kind`: build the event only then.
    template <typename Kind>
    bool wanted() const {
        return !subscribers_[index_of<Kind>()].empty();
    }

    // Delivered after the commit to every subscriber of its kind; nothing
    // happens when there are none.
    void publish(Event event);

private:
    // Shared, so a delivery keeps its handler alive while the handler unsubscribes itself.
    using Handler = std::shared_ptr<const std::function<void(const Event&)>>;
    struct Subscriber {
        Subscription id;
        Handler handler;
    };

    template <typename Kind, typename... Kinds>
    static constexpr std::size_t index_in(const std::variant<Kinds...>*) {
        constexpr bool same[] = {std::is_same_v<Kind, Kinds>...};
        for (std::size_t i = 0; i < sizeof...(Kinds); ++i)
            if (same[i]) return i;
        return sizeof...(Kinds);
    }
    template <typename Kind>
    static constexpr std::size_t index_of() {
        constexpr std::size_t index = index_in<Kind>(static_cast<const Event*>(nullptr));
        static_assert(index < std::variant_size_v<Event>, "not a kind of Event");
        return index;
    }
    Subscription add(std::size_t kind, std::function<void(const Event&)> handler);
    void deliver(const Event& event);

    AfterCommit after_commit_;
    std::array<std::vector<Subscriber>, std::variant_size_v<Event>> subscribers_;  // by kind, in order of subscribing
    Subscription next_ = 1;
};

}  // namespace fleet::backend
