#include "backend/core/event_bus.hpp"

#include <algorithm>
#include <memory>

namespace fleet::backend {

EventBus::EventBus(AfterCommit after_commit) : after_commit_(std::move(after_commit)) {}

EventBus::Subscription EventBus::add(std::size_t kind, std::function<void(const Event&)> handler) {
    const Subscription id = next_++;
    subscribers_[kind].push_back({id, std::make_shared<const std::function<void(const Event&)>>(std::move(handler))});
    return id;
}

void EventBus::unsubscribe(Subscription subscription) {
    for (auto& kind : subscribers_)
        if (const auto it = std::find_if(kind.begin(), kind.end(), [&](const Subscriber& s) { return s.id == subscription; });
            it != kind.end()) {
            kind.erase(it);
            return;
        }
}

void EventBus::publish(Event event) {
    if (subscribers_[event.index()].empty()) return;
    after_commit_([this, event = std::make_shared<const Event>(std::move(event))] { deliver(*event); });
}

void EventBus::deliver(const Event& event) {
    // A subscriber may subscribe or unsubscribe others (or itself): walk by id, not by position,
    // and hold the handler while it runs.
    const auto& kind = subscribers_[event.index()];
    for (Subscription last = 0;;) {
        const auto it = std::upper_bound(kind.begin(), kind.end(), last,
                                         [](Subscription id, const Subscriber& s) { return id < s.id; });
        if (it == kind.end()) return;
        last = it->id;
        const Handler handler = it->handler;
        (*handler)(event);
    }
}

}  // namespace fleet::backend
