#include "common/http/tls_context.hpp"

#include <catch2/catch.hpp>

using namespace fleet::http;

TEST_CASE("client auth names map both ways", "[tls]") {
    for (const auto auth : {ClientAuth::None, ClientAuth::Request, ClientAuth::Require})
        CHECK(parse_client_auth(to_string(auth)) == auth);
    CHECK_FALSE(parse_client_auth("optional"));
    CHECK_FALSE(parse_client_auth(""));
}

TEST_CASE("load_tls: plain without files, and the option or file at fault named", "[tls]") {
    const auto plain = load_tls({});
    CHECK_FALSE(plain.server);
    CHECK_FALSE(plain.client);
    CHECK(plain.reload().empty());

    CHECK_THROWS_WITH(load_tls({"node.pem", "", "", ClientAuth::None}), "--tls-cert needs --tls-key");
    CHECK_THROWS_WITH(load_tls({"", "node.key", "", ClientAuth::None}), "--tls-key needs --tls-cert");
    CHECK_THROWS_WITH(load_tls({"", "", "", ClientAuth::Require}), "--tls-client-auth require needs --tls-ca");
    CHECK_THROWS_WITH(load_tls({"/nonexistent/node.pem", "/nonexistent/node.key", "", ClientAuth::None}),
                      Catch::Contains("cannot read certificate file '/nonexistent/node.pem'"));
    CHECK_THROWS_WITH(load_tls({"", "", "/nonexistent/ca.pem", ClientAuth::None}),
                      Catch::Contains("cannot read CA file '/nonexistent/ca.pem'"));
}
