#include "tests/contract/contract_checker.hpp"
#include "tests/contract/openapi_document.hpp"
#include "tests/contract/yaml_to_json.hpp"

#include <catch2/catch.hpp>

using namespace fleet::contract;

namespace {

const char* const kDocument = R"(
openapi: 3.0.3
info: {title: t, version: '1'}
security:
  - bearerAuth: []
paths:
  /health:
    get:
      security: []
      responses:
        '200':
          description: up
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Health'}
  /metrics:
    get:
      security: []
      responses:
        '200':
          description: text
          content:
            text/plain:
              schema: {type: string}
  /items/{id}:
    get:
      responses:
        '200':
          description: one
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Item'}
        '401': {$ref: '#/components/responses/Unauthorized'}
        4XX:
          description: any other refusal
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Error'}
    delete:
      responses:
        default:
          description: whatever
  /items/special:
    get:
      responses:
        '200':
          description: special
components:
  securitySchemes:
    bearerAuth: {type: http, scheme: bearer}
  responses:
    Unauthorized:
      description: no token
      headers:
        WWW-Authenticate:
          schema: {type: string, enum: [Bearer]}
        Retry-After:
          $ref: '#/components/headers/RetryAfter'
      content:
        application/json:
          schema: {$ref: '#/components/schemas/Error'}
  headers:
    RetryAfter:
      schema: {type: integer}
  schemas:
    Health:
      type: object
      required: [healthy]
      properties:
        healthy: {type: boolean, enum: [true]}
    Item:
      type: object
      required: [id, count]
      properties:
        id: {type: string}
        count: {type: integer}
    Error:
      type: object
      required: [success, error]
      properties:
        success: {type: boolean, enum: [false]}
        error: {type: string}
      additionalProperties: true
)";

const OpenApiDocument& document() {
    static const auto parsed = OpenApiDocument::parse(kDocument);
    return parsed;
}

Exchange exchange(std::string method, std::string target, int status, std::string body,
                  std::vector<std::pair<std::string, std::string>> headers = {{"Content-Type", "application/json"}},
                  bool authenticated = true) {
    RawAnswer answer;
    answer.status = status;
    answer.headers = std::move(headers);
    answer.body = std::move(body);
    return Exchange{std::move(method), std::move(target), authenticated, std::move(answer)};
}

}  // namespace

TEST_CASE("document: YAML scalars keep their YAML types", "[validator]") {
    const auto value = parse_yaml("{a: '200', b: 200, c: true, d: 'true', e: 1.5, f: ~, g: 4XX, h: '0'}");
    const auto& object = value.as_object();
    CHECK(object.at("a").is_string());
    CHECK(object.at("b").is_int64());
    CHECK(object.at("c").is_bool());
    CHECK(object.at("d").is_string());
    CHECK(object.at("e").is_double());
    CHECK(object.at("f").is_null());
    CHECK(object.at("g") == "4XX");
    CHECK(object.at("h") == "0");
    CHECK_THROWS_WITH(parse_yaml("{a: [1, 2"), Catch::StartsWith("invalid YAML"));
}

TEST_CASE("document: paths match by template, $refs resolve", "[validator]") {
    const auto& doc = document();
    CHECK(doc.templates_matching("/items/42") == std::vector<std::string>{"/items/{id}"});
    CHECK(doc.templates_matching("/items/special").size() == 2);
    CHECK(doc.templates_matching("/items/42?x=1") == std::vector<std::string>{"/items/{id}"});
    CHECK(doc.templates_matching("/items/").empty());
    CHECK(doc.templates_matching("/items/42/more").empty());
    CHECK(doc.operations_for("/items/42", "DELETE").size() == 1);
    CHECK(doc.operations_for("/items/42", "POST").empty());
    CHECK(doc.methods_of("/items/{id}") == std::vector<std::string>{"get", "delete"});
    CHECK(doc.resolve("#/components/schemas/Item").as_object().contains("properties"));
    CHECK_THROWS(doc.resolve("#/components/schemas/Nope"));
    CHECK_THROWS(doc.resolve("other.yaml#/components/schemas/Item"));
    CHECK(path_segments("/a/b/") == std::vector<std::string_view>{"a", "b"});
}

TEST_CASE("document: a status finds its exact code, then its range, then default", "[validator]") {
    const auto& doc = document();
    const auto get = doc.operations_for("/items/1", "get").at(0);
    CHECK(doc.response_for(get, 200)->key == "200");
    CHECK(doc.response_for(get, 401)->key == "401");
    CHECK(doc.response_for(get, 404)->key == "4XX");
    CHECK_FALSE(doc.response_for(get, 500).has_value());
    const auto del = doc.operations_for("/items/1", "delete").at(0);
    CHECK(doc.response_for(del, 500)->key == "default");
    CHECK(doc.requires_auth(get));
    CHECK_FALSE(doc.requires_auth(doc.operations_for("/health", "get").at(0)));
    CHECK(doc.documented_triples().size() == 7);
}

TEST_CASE("checker: conforming exchanges pass and count as covered", "[validator]") {
    ContractChecker checker(document(), ValidationOptions{true});
    CHECK(checker.check(exchange("GET", "/health", 200, R"({"healthy": true})")).empty());
    CHECK(checker.check(exchange("GET", "/metrics", 200, "up 1\n", {{"Content-Type", "text/plain; version=0.0.4"}})).empty());
    CHECK(checker.check(exchange("GET", "/items/7", 200, R"({"id": "7", "count": 3})")).empty());
    CHECK(checker.check(exchange("GET", "/items/7", 404, R"({"success": false, "error": "nope"})")).empty());
    CHECK(checker.check(exchange("DELETE", "/items/7", 204, "")).empty());
    CHECK(checker.check(exchange("GET", "/items/7", 401, R"({"success": false, "error": "token"})",
                                 {{"content-type", "application/json"}, {"www-authenticate", "Bearer"}, {"Retry-After", "5"}},
                                 false))
              .empty());
    CHECK(checker.covered().contains(Triple{"/items/{id}", "get", "4XX"}));
    CHECK(checker.uncovered() == std::vector<Triple>{Triple{"/items/special", "get", "200"}});
    CHECK(checker.exchange_count() == 6);
}

TEST_CASE("checker: a concrete path comes before a template that also matches it", "[validator]") {
    ContractChecker checker(document(), ValidationOptions{true});
    // Fits /items/special (no body), not /items/{id} (an Item): checked against the concrete path only.
    CHECK(checker.check(exchange("GET", "/items/special", 200, "", {})).empty());
    CHECK(checker.covered().contains(Triple{"/items/special", "get", "200"}));
    CHECK_FALSE(checker.covered().contains(Triple{"/items/{id}", "get", "200"}));
    // A method only the template has is checked against it as usual.
    CHECK(checker.check(exchange("DELETE", "/items/special", 204, "")).empty());
    CHECK(checker.covered().contains(Triple{"/items/{id}", "delete", "default"}));
}

TEST_CASE("checker: drift is reported with the path and the reason", "[validator]") {
    ContractChecker checker(document(), ValidationOptions{true});
    auto only = [&](const Exchange& e) {
        const auto problems = checker.check(e);
        REQUIRE(problems.size() == 1);
        return problems.front();
    };
    CHECK_THAT(only(exchange("GET", "/items/7", 200, R"({"id": "7", "count": "3"})")),
               Catch::Contains("GET /items/{id} 200: $.count: expected integer, got string"));
    CHECK_THAT(only(exchange("GET", "/items/7", 200, R"({"id": "7", "count": 3, "extra": 1})")),
               Catch::Contains("$.extra: not declared in the schema"));
    CHECK_THAT(only(exchange("GET", "/items/7", 500, "{}")),
               Catch::Contains("status 500 is not documented for GET /items/{id}"));
    CHECK_THAT(only(exchange("GET", "/items/7", 200, R"({"id": "7", "count": 3})", {{"Content-Type", "text/html"}})),
               Catch::Contains("Content-Type 'text/html' is not documented"));
    CHECK_THAT(only(exchange("GET", "/items/7", 200, "not json")), Catch::Contains("the body is not JSON"));
    CHECK_THAT(only(exchange("GET", "/items/7", 401, R"({"success": false, "error": "token"})",
                             {{"Content-Type", "application/json"}, {"Retry-After", "5"}}, false)),
               Catch::Contains("documented header WWW-Authenticate is missing"));
    CHECK_THAT(only(exchange("GET", "/items/7", 401, R"({"success": false, "error": "token"})",
                             {{"Content-Type", "application/json"}, {"WWW-Authenticate", "Bearer"}, {"Retry-After", "soon"}},
                             false)),
               Catch::Contains("header Retry-After: expected integer, got string"));
    CHECK_THAT(only(exchange("DELETE", "/items/7", 204, "surprise", {})), Catch::Contains("none is documented"));
    auto failed = RawAnswer{"read: end of stream", 0, {}, {}};
    CHECK_THAT(only(Exchange{"GET", "/health", true, failed}), Catch::Contains("no answer (read: end of stream)"));
}

TEST_CASE("checker: undocumented methods and paths must be 405 and 404", "[validator]") {
    ContractChecker checker(document());
    const std::string error = R"({"success": false, "error": "no"})";
    CHECK(checker.check(exchange("GET", "/nowhere", 404, error)).empty());
    CHECK(checker.check(exchange("GET", "/nowhere", 401, error, {{"Content-Type", "application/json"}}, false)).empty());
    CHECK_FALSE(checker.check(exchange("GET", "/nowhere", 200, error)).empty());
    CHECK(checker.check(exchange("PUT", "/items/7", 405, error, {{"Content-Type", "application/json"}, {"Allow", "GET, DELETE"}}))
              .empty());
    // HEAD comes with a documented GET.
    CHECK(checker.check(exchange("PUT", "/items/7", 405, error,
                                 {{"Content-Type", "application/json"}, {"Allow", "GET, HEAD, DELETE"}}))
              .empty());
    CHECK_THAT(checker.check(exchange("PUT", "/items/7", 405, error, {{"Content-Type", "application/json"}, {"Allow", "GET"}}))
                   .at(0),
               Catch::Contains("Allow says 'GET', the document has DELETE, GET"));
    CHECK_THAT(checker.check(exchange("PUT", "/items/7", 405, R"({"error": 1})", {{"Content-Type", "application/json"}, {"Allow", "GET, DELETE"}}))
                   .at(0),
               Catch::Contains("(schema Error) $.success: required but missing"));
    CHECK_FALSE(checker.check(exchange("PUT", "/items/7", 404, error)).empty());
    CHECK(checker.covered().empty());
}

TEST_CASE("checker: a document using an unsupported keyword is refused up front", "[validator]") {
    const auto bad = OpenApiDocument::parse(R"(
openapi: 3.0.3
info: {title: t, version: '1'}
paths:
  /x:
    get:
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema:
                type: object
                properties:
                  tags: {type: array, uniqueItems: true}
)");
    CHECK_THROWS_WITH(ContractChecker(bad), Catch::Contains("unsupported keyword uniqueItems"));
}
