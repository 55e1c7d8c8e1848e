#include "backend/core/event_bus.hpp"

#include <memory>

namespace fleet::backend {

EventBus::EventBus(AfterCommit after_commit) : after_commit_(std::move(after_commit)) {}

EventBus::Subscription EventBus::add(std::size_t kind, std::function<void(const Event&)> handler) {
    const Subscription id = next_++;
    subscribers_.emplace(id, Subscriber{kind, std::move(handler)});
    ++listeners_[kind];
    return id;
}

void EventBus::unsubscribe(Subscription subscription) {
    const auto it = subscribers_.find(subscription);
    if (it == subscribers_.end()) return;
    --listeners_[it->second.kind];
    subscribers_.erase(it);
}

void EventBus::publish(Event event) {
    if (listeners_[event.index()] == 0) return;
    after_commit_([this, event = std::make_shared<const Event>(std::move(event))] { deliver(*event); });
}

void EventBus::deliver(const Event& event) {
    // A subscriber may subscribe or unsubscribe others: walk by key, not by iterator.
    for (auto it = subscribers_.begin(); it != subscribers_.end();) {
        const Subscription id = it->first;
        if (it->second.kind == event.index()) {
            auto handler = it->second.handler;
            handler(event);
        }
        it = subscribers_.upper_bound(id);
    }
}

}  // namespace fleet::backend
