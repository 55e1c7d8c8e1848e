#include "common/http/url.hpp"

#include <boost/url/parse.hpp>

#include <charconv>

namespace fleet::http {

std::optional<HttpUrl> parse_http_url(std::string_view url) {
    auto parsed = boost::urls::parse_uri(url);
    if (!parsed) return std::nullopt;
    const auto& u = *parsed;
    const bool tls = u.scheme_id() == boost::urls::scheme::https;
    if (u.scheme_id() != boost::urls::scheme::http && !tls) return std::nullopt;
    if (!u.has_authority() || u.encoded_host().empty()) return std::nullopt;

    HttpUrl out;
    out.tls = tls;
    if (tls) out.port = 443;
    out.host = u.host_address();
    if (u.has_port() && !u.port().empty()) {
        // port_number() wraps values past 65535, so read the digits ourselves.
        const auto digits = u.port();
        unsigned value = 0;
        const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
        if (ec != std::errc{} || end != digits.data() + digits.size() || value == 0 || value > 65535)
            return std::nullopt;
        out.port = static_cast<std::uint16_t>(value);
    }
    out.host_and_port = u.encoded_host_and_port();
    // Appended rather than insert(0, "/"), which GCC 12 flags with a false -Wrestrict.
    const std::string_view target = u.encoded_target();
    out.target.reserve(target.size() + 1);
    if (!target.starts_with('/')) out.target.push_back('/');
    out.target.append(target);
    out.ip_literal = u.host_type() == boost::urls::host_type::ipv4 || u.host_type() == boost::urls::host_type::ipv6;
    return out;
}

}  // namespace fleet::http
