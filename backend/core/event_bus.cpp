#include "backend/core/event_bus.hpp"

#include <memory>

namespace fleet::backend {

EventBus::EventBus(AfterCommit after_commit) : after_commit_(std::move(after_commit)) {}

EventBus::Subscription EventBus::add(std::function<void(const Event&)> subscriber) {
    const Subscription id = next_++;
    subscribers_.emplace(id, std::move(subscriber));
    return id;
}

void EventBus::unsubscribe(Subscription subscription) { subscribers_.erase(subscription); }

void EventBus::publish(Event event) {
    after_commit_([this, event = std::make_shared<const Event>(std::move(event))] { deliver(*event); });
}

void EventBus::deliver(const Event& event) {
    // A subscriber may subscribe or unsubscribe others: walk by key, not by iterator.
    for (auto it = subscribers_.begin(); it != subscribers_.end();) {
        const Subscription id = it->first;
        auto subscriber = it->second;
        subscriber(event);
        it = subscribers_.upper_bound(id);
    }
}

}  // namespace fleet::backend
