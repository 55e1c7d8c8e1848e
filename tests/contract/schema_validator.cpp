#include "tests/contract/schema_validator.hpp"

#include <boost/json/serialize.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <regex>
#include <set>

namespace fleet::contract {
namespace {

const std::set<std::string_view> kKeywords{
    "type",      "nullable",  "enum",     "required", "properties", "additionalProperties", "items",
    "format",    "pattern",   "minimum",  "maximum",  "exclusiveMinimum", "exclusiveMaximum", "minLength",
    "maxLength", "minItems",  "maxItems", "allOf",    "anyOf",      "oneOf",               "$ref",
    // annotations: no effect on validation
    "description", "example", "default", "title", "deprecated", "readOnly", "writeOnly"};

const std::set<std::string_view> kFormats{"date-time", "date", "int32", "int64", "uri", "float", "double"};

constexpr int kMaxDepth = 64;

std::string quoted(const boost::json::value& value) { return boost::json::serialize(value); }

bool is_integer(const boost::json::value& value) { return value.is_int64() || value.is_uint64(); }

double number_of(const boost::json::value& value) {
    if (value.is_int64()) return static_cast<double>(value.get_int64());
    if (value.is_uint64()) return static_cast<double>(value.get_uint64());
    return value.get_double();
}

bool type_matches(std::string_view type, const boost::json::value& value) {
    if (type == "integer") return is_integer(value);
    if (type == "number") return value.is_number();
    if (type == "string") return value.is_string();
    if (type == "boolean") return value.is_bool();
    if (type == "object") return value.is_object();
    if (type == "array") return value.is_array();
    throw UnsupportedSchema("unsupported type '" + std::string(type) + "'");
}

// Numbers compare by value (5 == 5.0 for enum), everything else as JSON does.
bool json_equal(const boost::json::value& a, const boost::json::value& b) {
    if (a.is_number() && b.is_number()) {
        if (is_integer(a) && is_integer(b)) return a == b;
        return number_of(a) == number_of(b);
    }
    return a == b;
}

std::size_t code_points(std::string_view text) {
    return static_cast<std::size_t>(
        std::count_if(text.begin(), text.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

bool leap_year(int year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

bool valid_date(int year, int month, int day) {
    static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (month < 1 || month > 12 || day < 1) return false;
    return day <= kDays[month - 1] + (month == 2 && leap_year(year) ? 1 : 0);
}

bool is_date(std::string_view text) {
    static const std::regex kDate(R"((\d{4})-(\d{2})-(\d{2}))");
    std::match_results<std::string_view::const_iterator> m;
    if (!std::regex_match(text.begin(), text.end(), m, kDate)) return false;
    return valid_date(std::stoi(m[1]), std::stoi(m[2]), std::stoi(m[3]));
}

// The string, checked against `format`; empty when it conforms.
std::string format_problem(std::string_view format, const boost::json::value& value) {
    if (format == "int32" || format == "int64") {
        if (!value.is_number()) return {};
        const double min = format == "int32" ? std::numeric_limits<std::int32_t>::min()
                                             : static_cast<double>(std::numeric_limits<std::int64_t>::min());
        const double max = format == "int32" ? std::numeric_limits<std::int32_t>::max()
                                             : static_cast<double>(std::numeric_limits<std::int64_t>::max());
        if (value.is_uint64() && format == "int64" && value.get_uint64() > static_cast<std::uint64_t>(INT64_MAX))
            return "does not fit format int64";
        const double number = number_of(value);
        return number < min || number > max ? "does not fit format " + std::string(format) : std::string{};
    }
    if (!value.is_string()) return {};
    const std::string_view text = value.get_string();
    if (format == "date-time" && !is_date_time(text)) return "is not an ISO 8601 date-time: " + quoted(value);
    if (format == "date" && !is_date(text)) return "is not an ISO 8601 date: " + quoted(value);
    if (format == "uri") {
        static const std::regex kUri(R"([A-Za-z][A-Za-z0-9+.\-]*:[^\s]*)");
        if (!std::regex_match(text.begin(), text.end(), kUri)) return "is not a URI: " + quoted(value);
    }
    return {};
}

std::string child(const std::string& path, std::string_view name) {
    static const std::regex kPlain("[A-Za-z_][A-Za-z0-9_]*");
    if (std::regex_match(name.begin(), name.end(), kPlain)) return path + "." + std::string(name);
    return path + "[" + quoted(boost::json::string(name)) + "]";
}

const boost::json::object& as_schema(const boost::json::value& schema, const std::string& where) {
    if (!schema.is_object()) throw UnsupportedSchema(where + ": a schema must be an object, got " + quoted(schema));
    return schema.get_object();
}

}  // namespace

std::string_view json_type_name(const boost::json::value& value) {
    switch (value.kind()) {
        case boost::json::kind::null: return "null";
        case boost::json::kind::bool_: return "boolean";
        case boost::json::kind::int64:
        case boost::json::kind::uint64: return "integer";
        case boost::json::kind::double_: return "number";
        case boost::json::kind::string: return "string";
        case boost::json::kind::array: return "array";
        case boost::json::kind::object: return "object";
    }
    return "unknown";
}

bool is_date_time(std::string_view text) {
    static const std::regex kDateTime(
        R"((\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-](\d{2}):(\d{2})))");
    std::match_results<std::string_view::const_iterator> m;
    if (!std::regex_match(text.begin(), text.end(), m, kDateTime)) return false;
    if (!valid_date(std::stoi(m[1]), std::stoi(m[2]), std::stoi(m[3]))) return false;
    // 60 seconds: a leap second.
    if (std::stoi(m[4]) > 23 || std::stoi(m[5]) > 59 || std::stoi(m[6]) > 60) return false;
    if (m[9].matched && (std::stoi(m[9]) > 23 || std::stoi(m[10]) > 59)) return false;
    return true;
}

SchemaValidator::SchemaValidator(RefResolver resolve, ValidationOptions options)
    : resolve_(std::move(resolve)), options_(options) {}

std::vector<std::string> SchemaValidator::validate(const boost::json::value& schema, const boost::json::value& instance,
                                                   const std::string& path) const {
    std::vector<std::string> errors;
    check(schema, instance, path, options_.forbid_undeclared_properties, errors, 0);
    return errors;
}

void SchemaValidator::check_keywords(const boost::json::value& schema_value, const std::string& where) const {
    const auto& schema = as_schema(schema_value, where);
    for (const auto& entry : schema) {
        const std::string_view key = entry.key();
        if (!kKeywords.contains(key)) throw UnsupportedSchema(where + ": unsupported keyword " + std::string(key));
    }
    if (const auto* format = schema.if_contains("format")) {
        if (!format->is_string() || !kFormats.contains(format->get_string()))
            throw UnsupportedSchema(where + ": unsupported format " + quoted(*format));
    }
    if (const auto* properties = schema.if_contains("properties")) {
        if (!properties->is_object()) throw UnsupportedSchema(where + ": 'properties' must be an object");
        for (const auto& property : properties->get_object())
            check_keywords(property.value(), where + "/properties/" + std::string(property.key()));
    }
    if (const auto* items = schema.if_contains("items")) check_keywords(*items, where + "/items");
    if (const auto* extra = schema.if_contains("additionalProperties"); extra && !extra->is_bool())
        check_keywords(*extra, where + "/additionalProperties");
    for (const char* combiner : {"allOf", "anyOf", "oneOf"}) {
        const auto* branches = schema.if_contains(combiner);
        if (!branches) continue;
        if (!branches->is_array() || branches->get_array().empty())
            throw UnsupportedSchema(where + ": '" + combiner + "' must be a non-empty array");
        std::size_t i = 0;
        for (const auto& branch : branches->get_array())
            check_keywords(branch, where + "/" + combiner + "/" + std::to_string(i++));
    }
}

void SchemaValidator::check(const boost::json::value& schema_value, const boost::json::value& instance,
                            const std::string& path, bool strict, std::vector<std::string>& errors, int depth) const {
    if (depth > kMaxDepth) throw UnsupportedSchema(path + ": schema nesting too deep (a $ref cycle?)");
    const auto& schema = as_schema(schema_value, path);
    for (const auto& entry : schema)
        if (!kKeywords.contains(entry.key()))
            throw UnsupportedSchema("unsupported keyword " + std::string(entry.key()) + " (validating " + path + ")");

    if (const auto* ref = schema.if_contains("$ref")) {
        if (!ref->is_string()) throw UnsupportedSchema(path + ": $ref must be a string");
        check(resolve_(ref->get_string()), instance, path, strict, errors, depth + 1);
    }

    const auto* nullable = schema.if_contains("nullable");
    if (nullable && !nullable->is_bool()) throw UnsupportedSchema(path + ": 'nullable' must be a boolean");
    if (instance.is_null() && nullable && nullable->get_bool()) return;

    if (const auto* type = schema.if_contains("type")) {
        if (!type->is_string()) throw UnsupportedSchema(path + ": 'type' must be a string in OpenAPI 3.0");
        if (!type_matches(type->get_string(), instance)) {
            errors.push_back(path + ": expected " + std::string(type->get_string()) + ", got " +
                             std::string(json_type_name(instance)));
            return;  // the other keywords would only repeat it
        }
    }

    if (const auto* allowed = schema.if_contains("enum")) {
        if (!allowed->is_array()) throw UnsupportedSchema(path + ": 'enum' must be an array");
        const auto& values = allowed->get_array();
        if (std::none_of(values.begin(), values.end(), [&](const auto& v) { return json_equal(v, instance); }))
            errors.push_back(path + ": " + quoted(instance) + " is not one of " + quoted(*allowed));
    }

    if (const auto* format = schema.if_contains("format")) {
        if (!format->is_string() || !kFormats.contains(format->get_string()))
            throw UnsupportedSchema(path + ": unsupported format " + quoted(*format));
        if (auto problem = format_problem(format->get_string(), instance); !problem.empty())
            errors.push_back(path + ": " + problem);
    }

    if (instance.is_string()) {
        const std::string_view text = instance.get_string();
        if (const auto* pattern = schema.if_contains("pattern")) {
            if (!pattern->is_string()) throw UnsupportedSchema(path + ": 'pattern' must be a string");
            const std::regex regex(std::string(pattern->get_string()), std::regex::ECMAScript);
            // JSON Schema patterns are not anchored: a match anywhere counts.
            if (!std::regex_search(text.begin(), text.end(), regex))
                errors.push_back(path + ": " + quoted(instance) + " does not match pattern " + quoted(*pattern));
        }
        if (const auto* min = schema.if_contains("minLength"); min && code_points(text) < min->to_number<std::size_t>())
            errors.push_back(path + ": shorter than minLength " + quoted(*min));
        if (const auto* max = schema.if_contains("maxLength"); max && code_points(text) > max->to_number<std::size_t>())
            errors.push_back(path + ": longer than maxLength " + quoted(*max));
    }

    if (instance.is_number()) {
        const double number = number_of(instance);
        auto flag = [&](const char* name) {
            const auto* value = schema.if_contains(name);
            if (value && !value->is_bool()) throw UnsupportedSchema(path + ": '" + name + "' must be a boolean in OpenAPI 3.0");
            return value && value->get_bool();
        };
        if (const auto* min = schema.if_contains("minimum")) {
            const bool exclusive = flag("exclusiveMinimum");
            if (exclusive ? number <= number_of(*min) : number < number_of(*min))
                errors.push_back(path + ": " + quoted(instance) + " is below the " + (exclusive ? "exclusive " : "") +
                                 "minimum " + quoted(*min));
        }
        if (const auto* max = schema.if_contains("maximum")) {
            const bool exclusive = flag("exclusiveMaximum");
            if (exclusive ? number >= number_of(*max) : number > number_of(*max))
                errors.push_back(path + ": " + quoted(instance) + " is above the " + (exclusive ? "exclusive " : "") +
                                 "maximum " + quoted(*max));
        }
    }

    if (instance.is_array()) {
        const auto& items = instance.get_array();
        if (const auto* min = schema.if_contains("minItems"); min && items.size() < min->to_number<std::size_t>())
            errors.push_back(path + ": fewer items than minItems " + quoted(*min));
        if (const auto* max = schema.if_contains("maxItems"); max && items.size() > max->to_number<std::size_t>())
            errors.push_back(path + ": more items than maxItems " + quoted(*max));
        if (const auto* item_schema = schema.if_contains("items")) {
            for (std::size_t i = 0; i < items.size(); ++i)
                check(*item_schema, items[i], path + "[" + std::to_string(i) + "]", strict, errors, depth + 1);
        }
    }

    if (instance.is_object()) check_object(schema, instance.get_object(), path, strict, errors, depth);

    if (const auto* all = schema.if_contains("allOf")) {
        // Each branch sees only part of the object: undeclared properties are the whole's business.
        for (const auto& branch : all->as_array()) check(branch, instance, path, false, errors, depth + 1);
    }
    for (const char* combiner : {"anyOf", "oneOf"}) {
        const auto* branches = schema.if_contains(combiner);
        if (!branches) continue;
        std::size_t matched = 0;
        std::string reasons;
        std::size_t i = 0;
        for (const auto& branch : branches->as_array()) {
            std::vector<std::string> branch_errors;
            check(branch, instance, path, strict, branch_errors, depth + 1);
            if (branch_errors.empty()) ++matched;
            else reasons += " [" + std::to_string(i) + "] " + branch_errors.front() + ";";
            ++i;
        }
        if (matched == 0) errors.push_back(path + ": matches none of " + combiner + ":" + reasons);
        else if (std::string_view(combiner) == "oneOf" && matched > 1)
            errors.push_back(path + ": matches " + std::to_string(matched) + " branches of oneOf, not exactly one");
    }
}

void SchemaValidator::check_object(const boost::json::object& schema, const boost::json::object& instance,
                                   const std::string& path, bool strict, std::vector<std::string>& errors,
                                   int depth) const {
    if (const auto* required = schema.if_contains("required")) {
        if (!required->is_array()) throw UnsupportedSchema(path + ": 'required' must be an array");
        for (const auto& name : required->get_array())
            if (!instance.contains(name.as_string())) errors.push_back(child(path, name.as_string()) + ": required but missing");
    }
    const auto* properties = schema.if_contains("properties");
    if (properties && !properties->is_object()) throw UnsupportedSchema(path + ": 'properties' must be an object");
    const auto* extra = schema.if_contains("additionalProperties");
    for (const auto& member : instance) {
        const std::string member_path = child(path, member.key());
        if (properties) {
            if (const auto* property = properties->get_object().if_contains(member.key())) {
                check(*property, member.value(), member_path, strict, errors, depth + 1);
                continue;
            }
        }
        if (!extra) {
            if (strict && properties) errors.push_back(member_path + ": not declared in the schema");
            continue;
        }
        if (extra->is_bool()) {
            if (!extra->get_bool()) errors.push_back(member_path + ": not allowed (additionalProperties: false)");
            continue;
        }
        check(*extra, member.value(), member_path, strict, errors, depth + 1);
    }
}

}  // namespace fleet::contract
