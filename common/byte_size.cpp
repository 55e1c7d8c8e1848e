#include "common/byte_size.hpp"

#include <charconv>
#include <cstdio>
#include <limits>
#include <stdexcept>

namespace fleet {

std::size_t parse_byte_size(std::string_view text) {
    std::size_t value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    const std::string_view unit(end, static_cast<std::size_t>(text.data() + text.size() - end));
    std::size_t scale = 0;
    if (unit.empty()) scale = 1;
    else if (unit == "KiB") scale = std::size_t{1} << 10;
    else if (unit == "MiB") scale = std::size_t{1} << 20;
    else if (unit == "GiB") scale = std::size_t{1} << 30;
    if (ec != std::errc{} || end == text.data() || scale == 0)
        throw std::invalid_argument("not a size: '" + std::string(text) + "' (bytes, or with KiB, MiB, GiB)");
    if (value > std::numeric_limits<std::size_t>::max() / scale)
        throw std::invalid_argument("size too large: '" + std::string(text) + "'");
    return value * scale;
}

std::string describe_bytes(std::size_t bytes) {
    constexpr std::size_t kKiB = 1024, kMiB = kKiB * 1024, kGiB = kMiB * 1024;
    // "4 MiB", "512 KiB", but not "2049 KiB": past 1023 of a unit the next one reads better.
    for (const auto& [unit, size] : {std::pair{"GiB", kGiB}, std::pair{"MiB", kMiB}, std::pair{"KiB", kKiB}})
        if (bytes >= size && bytes % size == 0 && (bytes / size < 1024 || size == kGiB))
            return std::to_string(bytes / size) + " " + unit;
    char text[32];
    if (bytes >= 1'000'000'000) std::snprintf(text, sizeof text, "%.1f GB", static_cast<double>(bytes) / 1e9);
    else if (bytes >= 1'000'000) std::snprintf(text, sizeof text, "%.1f MB", static_cast<double>(bytes) / 1e6);
    else if (bytes >= 1'000) std::snprintf(text, sizeof text, "%.1f kB", static_cast<double>(bytes) / 1e3);
    else return std::to_string(bytes) + (bytes == 1 ? " byte" : " bytes");
    return text;
}

std::string describe_excess(std::string_view what, std::size_t size, std::size_t limit) {
    // Within 1% of each other, rounded sizes would read alike (or in two units): say the bytes.
    const bool close = size <= limit + limit / 100;
    const std::string size_text = close ? std::to_string(size) + " bytes" : describe_bytes(size);
    const std::string limit_text = close ? std::to_string(limit) + " bytes" : describe_bytes(limit);
    return std::string(what) + " of " + size_text + " exceeds the " + limit_text + " limit";
}

}  // namespace fleet
