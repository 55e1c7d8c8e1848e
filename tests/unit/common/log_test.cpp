#include "common/log.hpp"

#include <catch2/catch.hpp>

#include <chrono>

using fleet::log::format_line;
using fleet::log::Format;
using fleet::log::format_text;
using fleet::log::Level;
using fleet::log::Sink;

namespace {

const fleet::SystemTime kTime{std::chrono::milliseconds(1'795'000'000'123)};

}  // namespace

TEST_CASE("log: a plain line is the time, the level word and the message", "[log]") {
    CHECK(format_line(Level::Debug, "probe sent", kTime, Sink::Plain) == "2026-11-18T11:06:40.123Z DEBUG probe sent\n");
    CHECK(format_line(Level::Info, "listening", kTime, Sink::Plain) == "2026-11-18T11:06:40.123Z INFO listening\n");
    CHECK(format_line(Level::Warn, "slow", kTime, Sink::Plain) == "2026-11-18T11:06:40.123Z WARN slow\n");
    CHECK(format_line(Level::Error, "failed", kTime, Sink::Plain) == "2026-11-18T11:06:40.123Z ERROR failed\n");
}

TEST_CASE("log: a journal line starts with the sd-daemon priority and has no time", "[log]") {
    CHECK(format_line(Level::Debug, "probe sent", kTime, Sink::Journal) == "<7>DEBUG probe sent\n");
    CHECK(format_line(Level::Info, "listening", kTime, Sink::Journal) == "<6>INFO listening\n");
    CHECK(format_line(Level::Warn, "slow", kTime, Sink::Journal) == "<4>WARN slow\n");
    CHECK(format_line(Level::Error, "failed", kTime, Sink::Journal) == "<3>ERROR failed\n");
}

TEST_CASE("log: in the journal every line of a message keeps the message's priority", "[log]") {
    CHECK(format_line(Level::Warn, "first\nsecond", kTime, Sink::Journal) == "<4>WARN first\n<4>second\n");
    CHECK(format_line(Level::Warn, "first\nsecond", kTime, Sink::Plain) == "2026-11-18T11:06:40.123Z WARN first\nsecond\n");
    CHECK(format_line(Level::Info, "", kTime, Sink::Journal) == "<6>INFO \n");
}

TEST_CASE("log: text for a person is written as is, and with priorities in the journal", "[log]") {
    const std::string usage = "fleet-worker: unknown worker type 'data-processing'\n(try --help)\n";
    CHECK(format_text(Level::Error, usage, Sink::Plain) == usage);
    CHECK(format_text(Level::Error, usage, Sink::Journal) ==
          "<3>fleet-worker: unknown worker type 'data-processing'\n<3>(try --help)\n");
    CHECK(format_text(Level::Warn, "no newline at the end", Sink::Journal) == "<4>no newline at the end\n");
}

TEST_CASE("log: fields follow a text message as key=value, quoted when they need it", "[log]") {
    const fleet::log::Fields fields{{"operation_id", "op_1", true}, {"attempt", "2", false},
                                    {"why", "it said \"no\"", true}, {"empty", "", true}};
    CHECK(format_line(Level::Info, "operation dispatched", kTime, Sink::Plain, Format::Text, fields) ==
          "2026-11-18T11:06:40.123Z INFO operation dispatched operation_id=op_1 attempt=2 why=\"it said \\\"no\\\"\" "
          "empty=\"\"\n");
    CHECK(format_line(Level::Warn, "x", kTime, Sink::Journal, Format::Text, {{"worker_id", "w1", true}}) ==
          "<4>WARN x worker_id=w1\n");
}

TEST_CASE("log: a JSON line is one object with time, level, message and the fields as members", "[log]") {
    const fleet::log::Fields fields{{"operation_id", "op_1", true}, {"queue_wait_ms", "12", false},
                                    {"ok", "true", false}};
    CHECK(format_line(Level::Info, "operation \"dispatched\"\n\tnow", kTime, Sink::Plain, Format::Json, fields) ==
          R"({"time":"2026-11-18T11:06:40.123Z","level":"info","message":"operation \"dispatched\"\n\tnow",)"
          R"("operation_id":"op_1","queue_wait_ms":12,"ok":true})"
          "\n");
    // The journal keeps its priority prefix, and the line stays one line.
    CHECK(format_line(Level::Error, "a\nb", kTime, Sink::Journal, Format::Json) ==
          "<3>{\"time\":\"2026-11-18T11:06:40.123Z\",\"level\":\"error\",\"message\":\"a\\nb\"}\n");
    CHECK(format_line(Level::Debug, std::string("nul\x01", 4), kTime, Sink::Plain, Format::Json) ==
          "{\"time\":\"2026-11-18T11:06:40.123Z\",\"level\":\"debug\",\"message\":\"nul\\u0001\"}\n");
}

TEST_CASE("log: field values keep their kind; formats are named text and json", "[log]") {
    using fleet::log::detail::value_of;
    CHECK(value_of("n", 42).text == "42");
    CHECK_FALSE(value_of("n", 42).is_string);
    CHECK(value_of("x", 0.25).text == "0.25");
    CHECK(value_of("b", false).text == "false");
    CHECK_FALSE(value_of("b", false).is_string);
    CHECK(value_of("s", std::string("op_1")).is_string);
    CHECK(value_of("s", "literal").text == "literal");
    CHECK(fleet::log::parse_format("json") == Format::Json);
    CHECK(fleet::log::parse_format("text") == Format::Text);
    CHECK_FALSE(fleet::log::parse_format("xml"));
}
