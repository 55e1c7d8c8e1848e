#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

// Reading request bodies: every failure is an ApiError(400) that names the field.
namespace fleet::json {

// Parses `body` as a JSON object; empty body counts as `{}` only if `allow_empty`.
boost::json::object parse_object(std::string_view body, bool allow_empty = false);

std::string required_string(const boost::json::object& obj, std::string_view key);
std::optional<std::string> optional_string(const boost::json::object& obj, std::string_view key);

std::int64_t required_int(const boost::json::object& obj, std::string_view key);
std::optional<std::int64_t> optional_int(const boost::json::object& obj, std::string_view key);

double required_number(const boost::json::object& obj, std::string_view key);
std::optional<double> optional_number(const boost::json::object& obj, std::string_view key);

std::optional<bool> optional_bool(const boost::json::object& obj, std::string_view key);

const boost::json::array* optional_array(const boost::json::object& obj, std::string_view key);
const boost::json::object* optional_object(const boost::json::object& obj, std::string_view key);

// 400 naming the first key not in `allowed`.
void reject_unknown_fields(const boost::json::object& obj, std::initializer_list<std::string_view> allowed);

// Throws 400 "<key> <message>" unless `condition` holds.
void require(bool condition, std::string_view key, std::string_view message);

}  // namespace fleet::json
