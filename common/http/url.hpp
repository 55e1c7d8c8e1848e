#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace fleet::http {

struct HttpUrl {
    std::string host;           // for the resolver: decoded, no brackets
    std::uint16_t port = 80;    // 443 for https:// without a port
    std::string host_and_port;  // as written in the URL (the Host header)
    std::string target;         // path and query, at least "/"
    bool ip_literal = false;    // an IPv4/IPv6 address: no lookup needed
    bool tls = false;           // https://
};

// An http:// or https:// URL with a host; nothing for other schemes or a port outside 1..65535.
std::optional<HttpUrl> parse_http_url(std::string_view url);

}  // namespace fleet::http
