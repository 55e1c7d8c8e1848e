#include "backend/events/event_stream.hpp"

#include "common/json/text.hpp"

#include <boost/json/object.hpp>

namespace fleet::backend {
namespace {

// How much one write carries at most: a client far behind catches up in pieces.
constexpr std::size_t kMaxPiece = 256 * 1024;

const http::ResponseStream::Piece& keep_alive_piece() {
    static const auto piece = std::make_shared<const std::string>(": keep-alive\n\n");
    return piece;
}

}  // namespace

std::string gap_frame(std::uint64_t after, std::optional<std::uint64_t> oldest) {
    boost::json::object data{{"last_event_id", std::to_string(after)}};
    if (oldest) data["oldest_id"] = std::to_string(*oldest);
    else data["oldest_id"] = nullptr;
    return "event: gap\ndata: " + json::to_text(data) + "\n\n";
}

EventStream::EventStream(EventHistory& history, EventFilter filter, std::uint64_t after, bool resumed,
                         std::shared_ptr<std::atomic<std::size_t>> open_streams)
    : history_(history),
      filter_(std::move(filter)),
      open_streams_(std::move(open_streams)),
      cursor_(after),
      resumed_(resumed) {
    ++*open_streams_;
}

EventStream::~EventStream() { --*open_streams_; }

std::string EventStream::opening() {
    std::string text = "retry: 2000\n: connected\n\n";
    if (!resumed_) return text;
    const auto bounds = history_.bounds();
    // Missed events, or an id this backend never gave (another run's, or made up).
    if (bounds.missed_after(cursor_) || cursor_ > bounds.last) {
        text += gap_frame(cursor_, bounds.oldest);
        // Then whatever is kept, from the oldest on (or what comes next).
        cursor_ = bounds.oldest && cursor_ < bounds.last ? *bounds.oldest - 1 : bounds.last;
    }
    return text;
}

void EventStream::next(Ready ready) {
    {
        std::unique_lock lock(mutex_);
        if (closed_ || ending_) {
            closed_ = true;
            lock.unlock();
            ready(nullptr);
            return;
        }
        pending_ = std::move(ready);
        if (!read_now_) {
            // Paced: what came since the last piece goes at the next wake-up, in one piece.
            const auto after = cursor_;
            lock.unlock();
            wait_for_news(after);
            return;
        }
    }
    answer_from_history(false);
}

void EventStream::wait_for_news(std::uint64_t after) {
    const auto id = history_.wait(after, [weak = weak_from_this()](bool tick) {
        if (auto self = weak.lock()) self->answer_from_history(tick);
    });
    std::lock_guard lock(mutex_);
    if (pending_) waiter_ = id;
}

void EventStream::answer_from_history(bool keep_alive) {
    std::unique_lock lock(mutex_);
    if (!pending_ || closed_) return;
    auto read = history_.read_after(cursor_, filter_, kMaxPiece);
    Piece text;
    if (read.missed) {
        // Fell behind the whole history: say so and end; the client resumes with its Last-Event-ID.
        text = std::make_shared<const std::string>(gap_frame(cursor_, read.oldest));
        ending_ = true;
    } else {
        cursor_ = read.next;
        read_now_ = read.more;  // a client catching up takes its pieces back to back
        text = std::move(read.text);
        if (text->empty() && keep_alive) text = keep_alive_piece();
    }
    if (text->empty()) {
        // Nothing yet: woken by the next append or the keep-alive tick.
        const auto after = cursor_;
        lock.unlock();
        wait_for_news(after);
        return;
    }
    auto ready = std::move(pending_);
    pending_ = nullptr;
    waiter_ = 0;
    lock.unlock();
    ready(std::move(text));
}

void EventStream::close() {
    Ready ready;
    EventHistory::WaiterId waiter = 0;
    {
        std::lock_guard lock(mutex_);
        if (closed_) return;
        closed_ = true;
        ready = std::move(pending_);
        pending_ = nullptr;
        waiter = std::exchange(waiter_, 0);
    }
    if (waiter) history_.forget(waiter);
    if (ready) ready(nullptr);
}

}  // namespace fleet::backend
