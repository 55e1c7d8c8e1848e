#pragma once

#include "backend/events/event_filter.hpp"
#include "backend/events/event_history.hpp"
#include "common/http/response_stream.hpp"

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

namespace fleet::backend {

// One client's `GET /api/v1/events`: reads the shared history from its own
// position, so nothing is queued for it. A client that falls behind the whole
// history gets a `gap` event and the end of the stream; when nothing new comes
// for a keep-alive period it gets a comment.
class EventStream : public http::ResponseStream, public std::enable_shared_from_this<EventStream> {
public:
    // `after`: the last event the client has (its Last-Event-ID), or the
    // history's last id for a client that starts now. `resumed`: the client
    // asked for `after` (a gap is then reported, not only when it falls behind).
    EventStream(EventHistory& history, EventFilter filter, std::uint64_t after, bool resumed,
                std::shared_ptr<std::atomic<std::size_t>> open_streams);
    ~EventStream() override;

    // The stream's first bytes: the retry hint, a comment, and a gap event if
    // the client resumed from before the history.
    std::string opening();

    void next(Ready ready) override;
    void close() override;

private:
    // `keep_alive`: the keep-alive tick woke it; with nothing to send, a comment goes.
    void answer_from_history(bool keep_alive);
    void wait_for_news(std::uint64_t after);

    EventHistory& history_;
    const EventFilter filter_;
    std::shared_ptr<std::atomic<std::size_t>> open_streams_;
    std::mutex mutex_;
    std::uint64_t cursor_;
    bool resumed_;
    bool ending_ = false;  // the gap is sent: the next `next` ends the stream
    bool read_now_ = true;  // the next `next` reads at once (the first, or the last read stopped at a limit)
    bool closed_ = false;
    Ready pending_;
    EventHistory::WaiterId waiter_ = 0;
};

// A gap event's frame: the client asked from `after`, the history starts at `oldest`.
std::string gap_frame(std::uint64_t after, std::optional<std::uint64_t> oldest);

}  // namespace fleet::backend
