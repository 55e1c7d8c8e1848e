#pragma once

#include "common/http/sse_parser.hpp"

#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>

namespace fleet::test {

// One Server-Sent Event as a client reads it.
struct SseEvent {
    std::string id;
    std::string event;
    std::string data;
};

// A client of an event stream over a plain loopback socket, as curl -N would
// be: it reads the answer's headers, then frames one at a time.
class SseClient {
public:
    // Connects and sends GET `target`; `last_event_id` as the Last-Event-ID header when not empty.
    SseClient(std::uint16_t port, const std::string& target, const std::string& token = {},
              const std::string& last_event_id = {});
    ~SseClient();
    SseClient(const SseClient&) = delete;
    SseClient& operator=(const SseClient&) = delete;

    int status() const { return status_; }
    const std::string& headers() const { return headers_; }  // the raw header block, lower-cased names kept as sent
    // The body of a non-stream answer (an error), read to its end.
    const std::string& prefix() const { return buffer_; }

    // The next event (comments and retry lines skipped, but counted), or nothing
    // when `timeout` passes or the server closes the stream.
    std::optional<SseEvent> next(std::chrono::milliseconds timeout = std::chrono::seconds(5));
    // Whether the server closed the connection.
    bool closed() const { return closed_; }
    std::size_t comments() const { return parser_.comments(); }
    // Closes this side (a client that leaves).
    void close();

private:
    bool fill(std::chrono::steady_clock::time_point deadline);

    int fd_ = -1;
    int status_ = 0;
    std::string headers_;
    std::string buffer_;
    bool closed_ = false;
    std::deque<SseEvent> events_;  // parsed, not yet taken
    http::SseParser parser_{[this](const http::SseEvent& event) {
        events_.push_back({event.last_event_id, event.type, event.data});
    }};
};

}  // namespace fleet::test
