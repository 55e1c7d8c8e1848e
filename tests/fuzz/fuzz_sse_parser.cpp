// SseParser (common/http/sse_parser): the event stream fleetctl and the tests read.
// The first byte chooses a piece size; the rest is the stream. Invariants: the
// events, the last event id and the retry time are the same whether the stream
// comes whole, a byte at a time or in pieces of that size; an event's type is
// never empty, its id holds no NUL, its data holds no CR or LF at its ends from
// line endings (only '\n' between data lines).
#include "common/http/sse_parser.hpp"
#include "tests/fuzz/fuzz_check.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace {

using fleet::fuzz::check;
using fleet::http::SseEvent;
using fleet::http::SseParser;

struct Outcome {
    std::vector<SseEvent> events;
    std::string last_event_id;
    std::optional<long long> retry_ms;

    bool operator==(const Outcome& other) const {
        if (events.size() != other.events.size() || last_event_id != other.last_event_id ||
            retry_ms != other.retry_ms)
            return false;
        for (std::size_t i = 0; i < events.size(); ++i) {
            const auto& a = events[i];
            const auto& b = other.events[i];
            if (a.type != b.type || a.data != b.data || a.last_event_id != b.last_event_id) return false;
        }
        return true;
    }
};

Outcome read_in_pieces(std::string_view stream, std::size_t piece) {
    Outcome outcome;
    SseParser parser([&](const SseEvent& event) { outcome.events.push_back(event); });
    for (std::size_t at = 0; at < stream.size(); at += piece) parser.feed(stream.substr(at, piece));
    outcome.last_event_id = parser.last_event_id();
    outcome.retry_ms = parser.retry_ms();
    return outcome;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const std::size_t piece = std::max<std::size_t>(1, data[0] % 17);
    const std::string_view stream(reinterpret_cast<const char*>(data + 1), size - 1);

    const Outcome whole = read_in_pieces(stream, std::max<std::size_t>(stream.size(), 1));
    for (const auto& event : whole.events) {
        check(!event.type.empty(), "an event has a type");
        check(event.last_event_id.find('\0') == std::string::npos, "an event id holds no NUL");
        check(event.data.find('\r') == std::string::npos, "an event's data holds no CR");
        check(event.type.find_first_of("\r\n") == std::string::npos, "an event type holds no line ending");
    }
    check(read_in_pieces(stream, 1) == whole, "a stream read a byte at a time gives the same events");
    check(read_in_pieces(stream, piece) == whole, "a stream read in pieces gives the same events");
    if (whole.retry_ms) check(*whole.retry_ms >= 0, "a retry time is not negative");
    return 0;
}
