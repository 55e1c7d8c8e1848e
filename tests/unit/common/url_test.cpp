#include "common/http/listen_address.hpp"
#include "common/http/url.hpp"

#include <catch2/catch.hpp>

using fleet::http::parse_http_url;

TEST_CASE("parse_http_url splits host, port and target", "[url]") {
    const auto plain = parse_http_url("http://worker-3:5005/api/v1/operations?status=running");
    REQUIRE(plain);
    CHECK(plain->host == "worker-3");
    CHECK(plain->port == 5005);
    CHECK(plain->host_and_port == "worker-3:5005");
    CHECK(plain->target == "/api/v1/operations?status=running");
    CHECK_FALSE(plain->ip_literal);

    const auto bare = parse_http_url("http://127.0.0.1:8000");
    REQUIRE(bare);
    CHECK(bare->target == "/");
    CHECK(bare->ip_literal);

    const auto query_only = parse_http_url("http://backend?x=1");
    REQUIRE(query_only);
    CHECK(query_only->port == 80);
    CHECK(query_only->target == "/?x=1");

    const auto v6 = parse_http_url("http://[::1]:9000/health");
    REQUIRE(v6);
    CHECK(v6->host == "::1");
    CHECK(v6->host_and_port == "[::1]:9000");
    CHECK(v6->ip_literal);
}

TEST_CASE("parse_http_url refuses other schemes, no host and ports outside 1..65535", "[url]") {
    for (const char* bad : {"ftp://host/x", "http://", "http:///path", "backend:8000",
                            "http://host:0/", "http://host:65536/", "http://host:99999999999/", "not a url"}) {
        INFO(bad);
        CHECK_FALSE(parse_http_url(bad));
    }
}

TEST_CASE("a listen address maps to the address this machine reaches it at", "[url]") {
    using fleet::http::is_wildcard_address;
    using fleet::http::local_address_of;
    for (const char* wildcard : {"", "0.0.0.0", "::"}) CHECK(is_wildcard_address(wildcard));
    CHECK_FALSE(is_wildcard_address("127.0.0.1"));
    CHECK(local_address_of("0.0.0.0") == "127.0.0.1");
    CHECK(local_address_of("") == "127.0.0.1");
    CHECK(local_address_of("::") == "[::1]");
    CHECK(local_address_of("10.0.0.5") == "10.0.0.5");
    CHECK(local_address_of("fd00::5") == "[fd00::5]");
    CHECK(local_address_of("[fd00::5]") == "[fd00::5]");
}

TEST_CASE("parse_http_url takes https:// with 443 as its default port", "[url]") {
    const auto secure = parse_http_url("https://backend.lan/health");
    REQUIRE(secure);
    CHECK(secure->tls);
    CHECK(secure->port == 443);
    CHECK(secure->host == "backend.lan");
    const auto with_port = parse_http_url("https://10.0.0.5:8443");
    REQUIRE(with_port);
    CHECK(with_port->tls);
    CHECK(with_port->port == 8443);
    CHECK(with_port->ip_literal);
    const auto plain = parse_http_url("http://backend");
    REQUIRE(plain);
    CHECK_FALSE(plain->tls);
    CHECK(plain->port == 80);
}
