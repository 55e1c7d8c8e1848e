#include "common/byte_size.hpp"

#include <catch2/catch.hpp>

#include <stdexcept>

using fleet::describe_bytes;
using fleet::parse_byte_size;

TEST_CASE("sizes accept plain bytes and binary units", "[byte_size]") {
    CHECK(parse_byte_size("0") == 0);
    CHECK(parse_byte_size("4194304") == 4194304);
    CHECK(parse_byte_size("512KiB") == 512 * 1024);
    CHECK(parse_byte_size("4MiB") == 4 * 1024 * 1024);
    CHECK(parse_byte_size("1GiB") == 1024 * 1024 * 1024);
}

TEST_CASE("sizes refuse what they cannot read", "[byte_size]") {
    for (const char* bad : {"", "MiB", "-1", "4 MiB", "4MB", "4mib", "1.5MiB", "99999999999999999999", "17179869184GiB"})
        CHECK_THROWS_AS(parse_byte_size(bad), std::invalid_argument);
}

TEST_CASE("sizes are described for people: limits exactly, sizes rounded", "[byte_size]") {
    CHECK(describe_bytes(8 * 1024 * 1024) == "8 MiB");
    CHECK(describe_bytes(512 * 1024) == "512 KiB");
    CHECK(describe_bytes(2049 * 1024) == "2.1 MB");
    CHECK(describe_bytes(2048 * 1024 * 1024ull) == "2 GiB");
    CHECK(describe_bytes(12'345'678) == "12.3 MB");
    CHECK(describe_bytes(4'100) == "4.1 kB");
    CHECK(describe_bytes(999) == "999 bytes");
    CHECK(describe_bytes(1) == "1 byte");
    CHECK(describe_bytes(0) == "0 bytes");
}

TEST_CASE("an excess names both sizes, exactly where rounding would hide the difference", "[byte_size]") {
    CHECK(fleet::describe_excess("result", 12'345'678, 8 * 1024 * 1024) == "result of 12.3 MB exceeds the 8 MiB limit");
    CHECK(fleet::describe_excess("answer", 102'400, 102'399) == "answer of 102400 bytes exceeds the 102399 bytes limit");
}
