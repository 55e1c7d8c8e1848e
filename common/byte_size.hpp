#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace fleet {

// Plain bytes ("4194304") or with a binary unit ("512KiB", "4MiB", "1GiB").
// Throws std::invalid_argument naming the text on anything else.
std::size_t parse_byte_size(std::string_view text);

// For people: "8 MiB" for an exact binary size (limits), else "12.3 MB",
// "4.1 kB" or "512 bytes" (sizes as they came).
std::string describe_bytes(std::size_t bytes);

// "<what> of 12.3 MB exceeds the 8 MiB limit"; in plain bytes when the two
// are so close that rounding would make them read alike.
std::string describe_excess(std::string_view what, std::size_t size, std::size_t limit);

}  // namespace fleet
