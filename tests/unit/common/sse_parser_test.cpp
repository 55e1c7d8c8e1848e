#include "common/http/sse_parser.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using fleet::http::SseEvent;
using fleet::http::SseParser;

namespace {

struct Collected {
    std::vector<SseEvent> events;
    SseParser parser{[this](const SseEvent& event) { events.push_back(event); }};
};

}  // namespace

TEST_CASE("SseParser reads the backend's frames: id, event, one data line", "[sse]") {
    Collected c;
    c.parser.feed("retry: 2000\n: connected\n\nid: 17\nevent: operation.status\ndata: {\"to\":\"running\"}\n\n");
    REQUIRE(c.events.size() == 1);
    CHECK(c.events[0].type == "operation.status");
    CHECK(c.events[0].data == "{\"to\":\"running\"}");
    CHECK(c.events[0].last_event_id == "17");
    CHECK(c.parser.last_event_id() == "17");
    CHECK(c.parser.retry_ms() == 2000);
}

TEST_CASE("SseParser joins multi-line data with newlines and strips one leading space", "[sse]") {
    Collected c;
    c.parser.feed("data:first\ndata:  second\ndata\n\n");
    REQUIRE(c.events.size() == 1);
    CHECK(c.events[0].type == "message");
    CHECK(c.events[0].data == "first\n second\n");
}

TEST_CASE("SseParser accepts CRLF, CR and LF line ends, split anywhere", "[sse]") {
    const std::string text = "id: 1\r\nevent: a\r\ndata: x\r\n\r\nid: 2\revent: b\rdata: y\r\rid: 3\nevent: c\ndata: z\n\n";
    for (std::size_t size : {1u, 2u, 3u, 7u, 1000u}) {
        Collected c;
        for (std::size_t at = 0; at < text.size(); at += size) c.parser.feed(text.substr(at, size));
        INFO("pieces of " << size);
        REQUIRE(c.events.size() == 3);
        CHECK(c.events[0].type == "a");
        CHECK(c.events[0].data == "x");
        CHECK(c.events[1].type == "b");
        CHECK(c.events[1].last_event_id == "2");
        CHECK(c.events[2].data == "z");
        CHECK(c.parser.last_event_id() == "3");
    }
}

TEST_CASE("SseParser: comments, events without data and unknown fields dispatch nothing", "[sse]") {
    Collected c;
    c.parser.feed(": keep-alive\n\nevent: lonely\n\nfoo: bar\nid: 9\n\n");
    CHECK(c.events.empty());
    CHECK(c.parser.comments() == 1);
    CHECK(c.parser.last_event_id() == "9");  // an id alone still moves the resume point
    c.parser.feed("data: after\n\n");
    REQUIRE(c.events.size() == 1);
    CHECK(c.events[0].type == "message");  // the event type does not outlive its event
    CHECK(c.events[0].last_event_id == "9");
}

TEST_CASE("SseParser: retry takes digits only; an id with NUL is ignored; the BOM is skipped", "[sse]") {
    Collected c;
    c.parser.feed("\xEF\xBB");
    c.parser.feed("\xBF" "retry: 15x\nid: 4\n");
    CHECK_FALSE(c.parser.retry_ms().has_value());
    c.parser.feed(std::string("id: a\0b\nretry: 500\ndata: d\n\n", 28));
    REQUIRE(c.events.size() == 1);
    CHECK(c.events[0].last_event_id == "4");
    CHECK(c.parser.retry_ms() == 500);
}

TEST_CASE("SseParser keeps an unfinished event until its blank line comes", "[sse]") {
    Collected c;
    c.parser.feed("data: half");
    CHECK(c.events.empty());
    c.parser.feed(" and more\n");
    CHECK(c.events.empty());
    c.parser.feed("\n");
    REQUIRE(c.events.size() == 1);
    CHECK(c.events[0].data == "half and more");
}
