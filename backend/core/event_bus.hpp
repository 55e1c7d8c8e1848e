#pragma once

#include "backend/operations/operation_record.hpp"

#include <cstdint>
#include <functional>
#include <map>
#include <variant>

namespace fleet::backend {

// An operation reached completed, failed or cancelled: its final record.
struct OperationEnded {
    OperationRecord operation;
};

// What the core tells whoever listens. More kinds join as their owners move
// onto the bus (progress, worker status).
using Event = std::variant<OperationEnded>;

// Events of the core thread with any number of subscribers, each delivered
// only once what led to it is committed (`after_commit`, the store's).
// Subscribers run on the core thread, in the order they subscribed.
class EventBus {
public:
    using AfterCommit = std::function<void(std::function<void()>)>;
    using Subscription = std::uint64_t;

    explicit EventBus(AfterCommit after_commit);

    template <typename Kind>
    Subscription subscribe(std::function<void(const Kind&)> handler) {
        return add([handler = std::move(handler)](const Event& event) {
            if (const auto* kind = std::get_if<Kind>(&event)) handler(*kind);
        });
    }
    void unsubscribe(Subscription subscription);

    void publish(Event event);

private:
    Subscription add(std::function<void(const Event&)> subscriber);
    void deliver(const Event& event);

    AfterCommit after_commit_;
    std::map<Subscription, std::function<void(const Event&)>> subscribers_;
    Subscription next_ = 1;
};

}  // namespace fleet::backend
