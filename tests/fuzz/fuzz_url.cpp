// parse_http_url (common/http/url): the backend URL, advertise URLs, worker URLs (http:// and https://).
// Invariants: an accepted URL has a host, a port in 1..65535 and a target that
// starts with '/'; putting its parts back together reads back the same.
#include "common/http/url.hpp"
#include "tests/fuzz/fuzz_check.hpp"

#include <cstddef>
#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using fleet::fuzz::check;
    const std::string text(reinterpret_cast<const char*>(data), size);
    const auto url = fleet::http::parse_http_url(text);
    if (!url) return 0;
    check(!url->host_and_port.empty(), "an accepted URL has a host", text);
    check(url->port >= 1, "an accepted URL has a port in 1..65535", text);
    check(url->target.starts_with('/'), "the target starts with '/'", text);
    const std::string rebuilt = (url->tls ? "https://" : "http://") + url->host_and_port + url->target;
    const auto again = fleet::http::parse_http_url(rebuilt);
    check(again.has_value(), "the rebuilt URL parses", rebuilt);
    check(again->host == url->host && again->port == url->port && again->target == url->target &&
              again->host_and_port == url->host_and_port && again->ip_literal == url->ip_literal &&
              again->tls == url->tls,
          "the rebuilt URL reads back the same", rebuilt);
    return 0;
}
