#pragma once

#include <span>
#include <string_view>

namespace fleet::backend {

// One file of the dashboard (backend/web/), built into the binary.
struct WebFile {
    std::string_view name;          // e.g. "app.js"
    std::string_view content_type;  // e.g. "text/javascript; charset=utf-8"
    std::string_view etag;          // a quoted hash of the bytes, e.g. "\"3f2a...\""
    std::string_view body;
};

// Every dashboard file this binary serves (generated at build time).
std::span<const WebFile> builtin_web_files();

}  // namespace fleet::backend
