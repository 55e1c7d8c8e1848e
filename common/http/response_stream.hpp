#pragma once

#include <functional>
#include <memory>
#include <string>

namespace fleet::http {

// The body of an answer that goes on after its headers, written as it comes
// (Server-Sent Events). The server asks for the next piece once the last one is
// written, so a slow client slows its own stream and nothing piles up in the
// server; the source decides what to do when its reader falls behind.
class ResponseStream {
public:
    // Bytes to write; shared, so one piece can go to many readers without a copy each.
    using Piece = std::shared_ptr<const std::string>;
    using Ready = std::function<void(Piece)>;

    virtual ~ResponseStream() = default;

    // Calls `ready` once, from any thread, with the next bytes to write, or
    // with a null piece to end the stream. The server calls it again only after the
    // bytes are written.
    virtual void next(Ready ready) = 0;

    // The connection is over (the client left, a write failed or timed out, the
    // server stops): a pending `next` is answered with nothing, and no further
    // `next` comes. May come more than once, from any thread.
    virtual void close() = 0;
};

}  // namespace fleet::http
