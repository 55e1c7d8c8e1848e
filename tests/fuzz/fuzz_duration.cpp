// parse_duration (common/duration): "30s", "500ms", "0.5", "5m", "1h", "30d".
// Invariants: it returns a duration >= 0 or throws std::invalid_argument, and
// what it returns reads back the same when written in milliseconds.
#include "common/duration.hpp"
#include "tests/fuzz/fuzz_check.hpp"

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using fleet::fuzz::check;
    const std::string text(reinterpret_cast<const char*>(data), size);
    std::chrono::milliseconds value{};
    try {
        value = fleet::parse_duration(text);
    } catch (const std::invalid_argument&) {
        return 0;
    }
    check(value.count() >= 0, "a duration is never negative", text);
    const std::string again = std::to_string(value.count()) + "ms";
    check(fleet::parse_duration(again) == value, "a duration reads back in ms", again);
    return 0;
}
