#pragma once

#include <cstdint>
#include <string>

namespace fleet {

// Tells whoever started a program where it listens: `{"pid", "port", "url"}`
// written to `path` once the socket is bound, atomically (a temporary file in
// the same folder, then rename), so a reader never sees half of it.
// Throws std::runtime_error naming the path when it cannot be written.
void write_ready_file(const std::string& path, std::uint16_t port, const std::string& url);

}  // namespace fleet
