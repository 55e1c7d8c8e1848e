#include "common/log.hpp"

#include <catch2/catch.hpp>

#include <chrono>

using fleet::log::format_line;
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
