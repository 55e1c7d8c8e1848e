#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace fleet::http {

// One Server-Sent Events message, as the HTML standard's "dispatch the event" makes it.
struct SseEvent {
    std::string type = "message";  // the `event:` field
    std::string data;              // `data:` lines joined by '\n'
    std::string last_event_id;     // the `id:` in force when it was dispatched
};

// Reads an event stream (text/event-stream) from pieces of any size, split
// anywhere, as the HTML standard's parsing rules say: lines end with CRLF, LF
// or CR; a line starting with ':' is a comment; `data` lines accumulate; a
// blank line dispatches the event (none when no data came); `id` persists
// until changed (an id containing NUL is ignored); `retry` takes digits only;
// unknown fields are ignored; one leading UTF-8 BOM is skipped.
class SseParser {
public:
    explicit SseParser(std::function<void(const SseEvent&)> on_event) : on_event_(std::move(on_event)) {}

    void feed(std::string_view piece);

    // The id to resume from (`Last-Event-ID`), empty before any.
    const std::string& last_event_id() const noexcept { return last_event_id_; }
    // The reconnection time the stream asked for, in ms.
    std::optional<long long> retry_ms() const noexcept { return retry_ms_; }
    // Comment lines read (the keep-alives), for a client that watches the stream's health.
    std::size_t comments() const noexcept { return comments_; }

private:
    void line(std::string_view text);
    void field(std::string_view name, std::string_view value);

    std::function<void(const SseEvent&)> on_event_;
    std::string partial_;       // an unfinished line
    bool after_cr_ = false;     // the last piece ended with CR: an LF next belongs to it
    bool started_ = false;      // past the optional BOM
    std::string type_;
    std::string data_;
    bool has_data_ = false;
    std::string last_event_id_;
    std::optional<long long> retry_ms_;
    std::size_t comments_ = 0;
};

}  // namespace fleet::http
