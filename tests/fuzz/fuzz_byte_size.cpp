// parse_byte_size and describe_bytes (common/byte_size): "4194304", "512KiB", "4MiB", "1GiB".
// Invariants: it returns or throws std::invalid_argument; the plain number it
// returns reads back the same; describe_bytes/describe_excess never fail.
#include "common/byte_size.hpp"
#include "tests/fuzz/fuzz_check.hpp"

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using fleet::fuzz::check;
    const std::string text(reinterpret_cast<const char*>(data), size);
    std::size_t bytes = 0;
    try {
        bytes = fleet::parse_byte_size(text);
    } catch (const std::invalid_argument&) {
        return 0;
    }
    check(fleet::parse_byte_size(std::to_string(bytes)) == bytes, "a size reads back in bytes", text);
    const std::string described = fleet::describe_bytes(bytes);
    check(!described.empty(), "describe_bytes says something", text);
    // An exact binary size is described in a unit parse_byte_size reads ("4 MiB" without its space).
    if (const auto space = described.find(' '); space != std::string::npos && described.ends_with("iB")) {
        const std::string compact = described.substr(0, space) + described.substr(space + 1);
        check(fleet::parse_byte_size(compact) == bytes, "an exact size's description reads back", described);
    }
    check(!fleet::describe_excess("body", bytes, bytes / 2).empty(), "describe_excess says something", text);
    return 0;
}
