#include "tests/contract/openapi_document.hpp"
#include "tests/contract/schema_validator.hpp"
#include "tests/contract/yaml_to_json.hpp"

#include <boost/json/parse.hpp>
#include <catch2/catch.hpp>

using namespace fleet::contract;

namespace {

// A document whose components the schemas under test may $ref.
const OpenApiDocument& components() {
    static const auto document = OpenApiDocument::parse(R"(
openapi: 3.0.3
info: {title: t, version: '1'}
paths: {}
components:
  schemas:
    Status:
      type: string
      enum: [queued, running]
    Progress:
      type: object
      required: [percentage]
      properties:
        percentage: {type: number, minimum: 0, maximum: 100}
    Envelope:
      type: object
      required: [data]
      properties:
        data:
          type: object
          properties:
            status: {$ref: '#/components/schemas/Status'}
            progress: {$ref: '#/components/schemas/Progress'}
)");
    return document;
}

std::vector<std::string> validate(const std::string& schema_yaml, const std::string& instance_json,
                                  ValidationOptions options = {}) {
    const auto& document = components();
    SchemaValidator validator([&](std::string_view ref) -> const boost::json::value& { return document.resolve(ref); },
                              options);
    return validator.validate(parse_yaml(schema_yaml), boost::json::parse(instance_json));
}

bool valid(const std::string& schema_yaml, const std::string& instance_json, ValidationOptions options = {}) {
    const auto errors = validate(schema_yaml, instance_json, options);
    for (const auto& error : errors) UNSCOPED_INFO(error);
    return errors.empty();
}

// The only error, for comparing messages whole.
std::string only_error(const std::string& schema_yaml, const std::string& instance_json, ValidationOptions options = {}) {
    const auto errors = validate(schema_yaml, instance_json, options);
    REQUIRE(errors.size() == 1);
    return errors.front();
}

}  // namespace

TEST_CASE("validator: type tells integer from number and names what it got", "[validator]") {
    CHECK(valid("{type: integer}", "5"));
    CHECK(only_error("{type: integer}", "5.0") == "$: expected integer, got number");
    CHECK(only_error("{type: integer}", "5.5") == "$: expected integer, got number");
    CHECK(valid("{type: number}", "5"));
    CHECK(valid("{type: number}", "5.5"));
    CHECK(only_error("{type: number}", "\"5\"") == "$: expected number, got string");
    CHECK(valid("{type: string}", "\"x\""));
    CHECK(only_error("{type: string}", "1") == "$: expected string, got integer");
    CHECK(valid("{type: boolean}", "false"));
    CHECK(only_error("{type: boolean}", "\"false\"") == "$: expected boolean, got string");
    CHECK(valid("{type: object}", "{}"));
    CHECK(only_error("{type: object}", "[]") == "$: expected object, got array");
    CHECK(valid("{type: array}", "[]"));
    CHECK(only_error("{type: array}", "{}") == "$: expected array, got object");
    CHECK(valid("{}", "null"));  // no type: anything
}

TEST_CASE("validator: errors name the JSON path through $refs, properties and items", "[validator]") {
    const std::string envelope = "{$ref: '#/components/schemas/Envelope'}";
    CHECK(valid(envelope, R"({"data": {"status": "running", "progress": {"percentage": 50}}})"));
    CHECK(only_error(envelope, R"({"data": {"progress": {"percentage": "50"}}})") ==
          "$.data.progress.percentage: expected number, got string");
    CHECK(only_error(envelope, R"({"data": {"status": "done"}})") ==
          R"($.data.status: "done" is not one of ["queued","running"])");
    CHECK(only_error(envelope, R"({"data": {"progress": {}}})") == "$.data.progress.percentage: required but missing");
    CHECK(only_error("{type: array, items: {type: integer}}", "[1, \"2\", 3]") == "$[1]: expected integer, got string");
    CHECK(only_error("{type: object, properties: {'odd key': {type: integer}}}", R"({"odd key": true})") ==
          R"($["odd key"]: expected integer, got boolean)");
}

TEST_CASE("validator: nullable lets null through, and only then", "[validator]") {
    CHECK(valid("{type: string, nullable: true}", "null"));
    CHECK(valid("{type: string, nullable: true}", "\"x\""));
    CHECK(only_error("{type: string}", "null") == "$: expected string, got null");
    CHECK(only_error("{type: string, nullable: false}", "null") == "$: expected string, got null");
    CHECK(valid("{type: object, nullable: true, anyOf: [{required: [a]}]}", "null"));
}

TEST_CASE("validator: enum compares JSON values, numbers by value", "[validator]") {
    CHECK(valid("{enum: [true]}", "true"));
    CHECK_FALSE(valid("{enum: [true]}", "false"));
    CHECK_FALSE(valid("{enum: ['true']}", "true"));  // a quoted YAML scalar is a string
    CHECK(valid("{enum: [503]}", "503"));
    CHECK(valid("{type: number, enum: [1]}", "1.0"));
    CHECK(valid("{enum: [a, null]}", "null"));
}

TEST_CASE("validator: required, properties and additionalProperties", "[validator]") {
    const std::string closed = "{type: object, required: [a], properties: {a: {type: integer}}, additionalProperties: false}";
    CHECK(valid(closed, R"({"a": 1})"));
    CHECK(only_error(closed, R"({"a": 1, "b": 2})") == "$.b: not allowed (additionalProperties: false)");
    CHECK(only_error(closed, R"({})") == "$.a: required but missing");
    const std::string typed = "{type: object, additionalProperties: {type: integer}}";
    CHECK(valid(typed, R"({"x": 1, "y": 2})"));
    CHECK(only_error(typed, R"({"x": "1"})") == "$.x: expected integer, got string");

    // Undeclared properties: allowed by OpenAPI, refused in strict mode unless the schema says they are fine.
    const std::string open = "{type: object, properties: {a: {type: integer}}}";
    CHECK(valid(open, R"({"a": 1, "b": 2})"));
    const ValidationOptions strict{true};
    CHECK(only_error(open, R"({"a": 1, "b": 2})", strict) == "$.b: not declared in the schema");
    CHECK(valid("{type: object, properties: {a: {}}, additionalProperties: true}", R"({"a": 1, "b": 2})", strict));
    CHECK(valid("{type: object}", R"({"b": 2})", strict));  // no properties listed: a free-form object
}

TEST_CASE("validator: format date-time is ISO 8601 (RFC 3339)", "[validator]") {
    CHECK(is_date_time("2025-01-31T12:00:00.123Z"));
    CHECK(is_date_time("2025-01-31T12:00:00Z"));
    CHECK(is_date_time("2025-01-31T12:00:00+02:00"));
    CHECK(is_date_time("2024-02-29T23:59:60Z"));
    CHECK_FALSE(is_date_time("2025-01-31 12:00:00Z"));
    CHECK_FALSE(is_date_time("2025-01-31T12:00:00"));
    CHECK_FALSE(is_date_time("2025-02-29T12:00:00Z"));
    CHECK_FALSE(is_date_time("2025-01-31T24:00:00Z"));
    CHECK_FALSE(is_date_time("2025-13-01T00:00:00Z"));
    CHECK_FALSE(is_date_time("1738324800"));
    CHECK(valid("{type: string, format: date-time}", "\"2025-01-31T12:00:00.123Z\""));
    CHECK(only_error("{type: string, format: date-time}", "\"yesterday\"") ==
          R"($: is not an ISO 8601 date-time: "yesterday")");
    CHECK(valid("{type: string, format: date-time, nullable: true}", "null"));
}

TEST_CASE("validator: other formats", "[validator]") {
    CHECK(valid("{type: string, format: date}", "\"2025-01-31\""));
    CHECK_FALSE(valid("{type: string, format: date}", "\"2025-01-32\""));
    CHECK(valid("{type: integer, format: int32}", "2147483647"));
    CHECK_FALSE(valid("{type: integer, format: int32}", "2147483648"));
    CHECK(valid("{type: integer, format: int64}", "9223372036854775807"));
    CHECK_FALSE(valid("{type: integer, format: int64}", "18446744073709551615"));
    CHECK(valid("{type: string, format: uri}", "\"http://host:5005\""));
    CHECK_FALSE(valid("{type: string, format: uri}", "\"not a uri\""));
    CHECK(valid("{type: number, format: double}", "1.5"));
}

TEST_CASE("validator: pattern searches with ECMAScript regular expressions", "[validator]") {
    CHECK(valid("{type: string, pattern: '^op_[0-9a-f]{12}$'}", "\"op_0123456789ab\""));
    CHECK(only_error("{type: string, pattern: '^op_[0-9a-f]{12}$'}", "\"op_XYZ\"") ==
          R"($: "op_XYZ" does not match pattern "^op_[0-9a-f]{12}$")");
    CHECK(valid("{type: string, pattern: 'b'}", "\"abc\""));  // not anchored unless the pattern says so
    CHECK(valid("{pattern: '^x$'}", "5"));                    // applies to strings only
}

TEST_CASE("validator: numeric and size bounds", "[validator]") {
    CHECK(valid("{type: number, minimum: 0, maximum: 100}", "0"));
    CHECK(valid("{type: number, minimum: 0, maximum: 100}", "100"));
    CHECK_THAT(only_error("{type: number, minimum: 0, maximum: 100}", "100.5"),
               Catch::StartsWith("$: ") && Catch::EndsWith(" is above the maximum 100"));
    CHECK(only_error("{type: number, minimum: 0}", "-1") == "$: -1 is below the minimum 0");
    CHECK_FALSE(valid("{type: number, minimum: 0, exclusiveMinimum: true}", "0"));
    CHECK(valid("{type: number, minimum: 0, exclusiveMinimum: true}", "0.1"));
    CHECK_FALSE(valid("{type: number, maximum: 1, exclusiveMaximum: true}", "1"));
    CHECK(valid("{type: string, minLength: 1, maxLength: 2}", "\"é\""));  // code points, not bytes
    CHECK_FALSE(valid("{type: string, minLength: 1}", "\"\""));
    CHECK_FALSE(valid("{type: string, maxLength: 2}", "\"abc\""));
    CHECK(valid("{type: array, minItems: 1, maxItems: 2}", "[1]"));
    CHECK_FALSE(valid("{type: array, minItems: 1}", "[]"));
    CHECK_FALSE(valid("{type: array, maxItems: 1}", "[1, 2]"));
}

TEST_CASE("validator: allOf, anyOf and oneOf", "[validator]") {
    const std::string any = "{anyOf: [{type: integer}, {type: string}]}";
    CHECK(valid(any, "1"));
    CHECK(valid(any, "\"1\""));
    const auto errors = validate(any, "true");
    REQUIRE(errors.size() == 1);
    CHECK_THAT(errors.front(), Catch::StartsWith("$: matches none of anyOf:"));
    CHECK_THAT(errors.front(), Catch::Contains("expected integer, got boolean"));

    const std::string one = "{oneOf: [{type: number}, {type: integer}]}";
    CHECK(valid(one, "1.5"));
    CHECK(only_error(one, "1") == "$: matches 2 branches of oneOf, not exactly one");

    const std::string all = "{allOf: [{required: [a]}, {required: [b]}]}";
    CHECK(valid(all, R"({"a": 1, "b": 2})"));
    CHECK(only_error(all, R"({"a": 1})") == "$.b: required but missing");
    // Strict mode leaves allOf branches open: each lists only part of the properties.
    CHECK(valid("{allOf: [{properties: {a: {}}}, {properties: {b: {}}}]}", R"({"a": 1, "b": 2})", ValidationOptions{true}));
}

TEST_CASE("validator: annotations are ignored", "[validator]") {
    CHECK(valid("{type: integer, description: d, example: 5, default: 1, title: t, deprecated: false, readOnly: true}",
                "7"));
}

TEST_CASE("validator: any other keyword is refused, never silently passed", "[validator]") {
    CHECK_THROWS_WITH(validate("{type: string, not: {type: integer}}", "\"x\""), Catch::StartsWith("unsupported keyword not"));
    CHECK_THROWS_AS(validate("{type: array, uniqueItems: true}", "[1, 1]"), UnsupportedSchema);
    CHECK_THROWS_WITH(validate("{type: object, properties: {a: {multipleOf: 2}}}", R"({"a": 3})"),
                      Catch::StartsWith("unsupported keyword multipleOf"));
    CHECK_THROWS_WITH(validate("{type: string, format: email}", "\"a@b\""), Catch::Contains("unsupported format"));
    CHECK_THROWS_AS(validate("{type: [string, 'null']}", "null"), UnsupportedSchema);  // 3.1 style
    CHECK_THROWS_AS(validate("{$ref: '#/components/schemas/Missing'}", "1"), std::runtime_error);
    CHECK_THROWS_AS(validate("{$ref: 'other.yaml#/x'}", "1"), std::runtime_error);

    // Ahead of any value: a keyword deep in a branch no instance reaches.
    const auto& document = components();
    SchemaValidator validator([&](std::string_view ref) -> const boost::json::value& { return document.resolve(ref); });
    CHECK_NOTHROW(validator.check_keywords(parse_yaml("{type: object, properties: {a: {type: integer}}}"), "#/s"));
    CHECK_THROWS_WITH(validator.check_keywords(parse_yaml("{properties: {a: {items: {discriminator: {}}}}}"), "#/s"),
                      "#/s/properties/a/items: unsupported keyword discriminator");
    CHECK_THROWS_AS(validator.check_keywords(parse_yaml("{anyOf: [{type: string}, {xml: {}}]}"), "#/s"),
                    UnsupportedSchema);
}
