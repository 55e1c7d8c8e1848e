#pragma once

#include <boost/json/value.hpp>

#include <functional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace fleet::contract {

// A schema uses a keyword (or format) this validator does not implement: it
// refuses rather than pass what it cannot check.
class UnsupportedSchema : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct ValidationOptions {
    // An object schema that lists `properties` but says nothing about
    // `additionalProperties` refuses properties it does not list (OpenAPI
    // allows them), so a field the code added without documenting it fails.
    bool forbid_undeclared_properties = false;
};

// Validates JSON values against OpenAPI 3.0 Schema Objects: type (integer is
// not number), nullable, enum, required, properties, additionalProperties,
// items, format (date-time, date, int32, int64, uri, float, double), pattern,
// minimum/maximum with exclusiveMinimum/exclusiveMaximum, min/maxLength,
// min/maxItems, allOf/anyOf/oneOf and local $ref; description, example,
// default, title, deprecated, readOnly and writeOnly are annotations. Any
// other keyword throws UnsupportedSchema.
class SchemaValidator {
public:
    // Resolves a `$ref` string to the schema it names.
    using RefResolver = std::function<const boost::json::value&(std::string_view)>;

    explicit SchemaValidator(RefResolver resolve, ValidationOptions options = {});

    // Every mismatch, each naming its JSON path ("$.data.progress.percentage:
    // expected number, got string"); empty when `instance` conforms.
    std::vector<std::string> validate(const boost::json::value& schema, const boost::json::value& instance,
                                      const std::string& path = "$") const;

    // Throws UnsupportedSchema if `schema` or any schema inside it (not
    // following $refs) uses a keyword or format this validator does not know.
    void check_keywords(const boost::json::value& schema, const std::string& where) const;

private:
    void check(const boost::json::value& schema, const boost::json::value& instance, const std::string& path,
               bool strict, std::vector<std::string>& errors, int depth) const;
    void check_object(const boost::json::object& schema, const boost::json::object& instance, const std::string& path,
                      bool strict, std::vector<std::string>& errors, int depth) const;

    RefResolver resolve_;
    ValidationOptions options_;
};

// JSON's kind of a value in schema words: null, boolean, integer, number, string, array, object.
std::string_view json_type_name(const boost::json::value& value);

// RFC 3339 date-time (the profile of ISO 8601 OpenAPI's `date-time` means):
// 2025-01-31T12:00:00Z, with optional fraction and a Z or ±hh:mm offset.
bool is_date_time(std::string_view text);

}  // namespace fleet::contract
