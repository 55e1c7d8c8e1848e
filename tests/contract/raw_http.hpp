#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace fleet::contract {

// What came back on one connection: the status line, every header and the
// body, or why nothing (complete) came.
struct RawAnswer {
    std::string error;  // empty when a whole response was read
    int status = 0;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;

    bool ok() const { return error.empty(); }
    // The first header of that name (case-insensitive).
    std::optional<std::string> header(std::string_view name) const;
    // The Content-Type without parameters, lower case ("application/json").
    std::string media_type() const;
};

// Writes `request` (bytes as they are, so malformed or incomplete requests can
// be sent) on a fresh loopback connection to `port` and reads one response,
// all within `timeout`.
RawAnswer raw_exchange(std::uint16_t port, const std::string& request,
                       std::chrono::milliseconds timeout = std::chrono::seconds(10));

// A well-formed HTTP/1.1 request; a body is sent as application/json, a token as a bearer.
std::string http_request(std::string_view method, std::string_view target, const std::optional<std::string>& body,
                         const std::string& token);

}  // namespace fleet::contract
