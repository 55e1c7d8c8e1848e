#pragma once

#include "common/http/router.hpp"

#include <atomic>
#include <cstddef>
#include <memory>

namespace fleet::backend {

class EventHistory;

// Who may follow the event stream at once.
struct EventStreamLimits {
    std::size_t max_streams = 1000;
    std::shared_ptr<std::atomic<std::size_t>> open = std::make_shared<std::atomic<std::size_t>>(0);
};

// GET /api/v1/events (proto_docs/events.md): answered on the I/O thread
// from the shared history; nothing of it runs on the core thread.
void add_event_routes(http::Router& router, EventHistory& history, EventStreamLimits& limits);

}  // namespace fleet::backend
