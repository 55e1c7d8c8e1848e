#include "common/json/fields.hpp"

#include "common/http/error.hpp"
#include "common/json/parse.hpp"

#include <cmath>
#include <utility>

namespace fleet::json {
namespace {

using fleet::http::bad_request;

std::string quoted(std::string_view key) { return "'" + std::string(key) + "'"; }

const boost::json::value* present(const boost::json::object& obj, std::string_view key) {
    const auto* v = obj.if_contains(key);
    return (v && !v->is_null()) ? v : nullptr;
}

std::optional<std::int64_t> as_int(const boost::json::value& v) {
    if (v.is_int64()) return v.get_int64();
    if (v.is_uint64() && v.get_uint64() <= static_cast<std::uint64_t>(INT64_MAX))
        return static_cast<std::int64_t>(v.get_uint64());
    if (v.is_double()) {
        const double d = v.get_double();
        if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9.0e15) return static_cast<std::int64_t>(d);
    }
    return std::nullopt;
}

template <typename T>
T required(std::optional<T> value, std::string_view key) {
    if (!value) throw bad_request("missing required field " + quoted(key));
    return *std::move(value);
}

}  // namespace

boost::json::object parse_object(std::string_view body, bool allow_empty) {
    if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) {
        if (allow_empty) return {};
        throw bad_request("request body must be a JSON object");
    }
    boost::system::error_code ec;
    boost::json::value v = json::parse(body, ec);
    if (ec) throw bad_request("malformed JSON: " + ec.message());
    if (!v.is_object()) throw bad_request("request body must be a JSON object");
    return std::move(v.get_object());
}

std::string required_string(const boost::json::object& obj, std::string_view key) {
    return required(optional_string(obj, key), key);
}

std::optional<std::string> optional_string(const boost::json::object& obj, std::string_view key) {
    const auto* v = present(obj, key);
    if (!v) return std::nullopt;
    if (!v->is_string()) throw bad_request(quoted(key) + " must be a string");
    return std::string(v->get_string());
}

std::int64_t required_int(const boost::json::object& obj, std::string_view key) {
    return required(optional_int(obj, key), key);
}

std::optional<std::int64_t> optional_int(const boost::json::object& obj, std::string_view key) {
    const auto* v = present(obj, key);
    if (!v) return std::nullopt;
    auto i = as_int(*v);
    if (!i) throw bad_request(quoted(key) + " must be an integer");
    return i;
}

double required_number(const boost::json::object& obj, std::string_view key) {
    return required(optional_number(obj, key), key);
}

std::optional<double> optional_number(const boost::json::object& obj, std::string_view key) {
    const auto* v = present(obj, key);
    if (!v) return std::nullopt;
    if (!v->is_number()) throw bad_request(quoted(key) + " must be a number");
    return v->to_number<double>();
}

std::optional<bool> optional_bool(const boost::json::object& obj, std::string_view key) {
    const auto* v = present(obj, key);
    if (!v) return std::nullopt;
    if (!v->is_bool()) throw bad_request(quoted(key) + " must be true or false");
    return v->get_bool();
}

const boost::json::array* optional_array(const boost::json::object& obj, std::string_view key) {
    const auto* v = present(obj, key);
    if (!v) return nullptr;
    if (!v->is_array()) throw bad_request(quoted(key) + " must be an array");
    return &v->get_array();
}

const boost::json::object* optional_object(const boost::json::object& obj, std::string_view key) {
    const auto* v = present(obj, key);
    if (!v) return nullptr;
    if (!v->is_object()) throw bad_request(quoted(key) + " must be an object");
    return &v->get_object();
}

void reject_unknown_fields(const boost::json::object& obj, std::initializer_list<std::string_view> allowed) {
    for (const auto& [key, value] : obj) {
        bool known = false;
        for (auto name : allowed) known = known || (key == name);
        if (!known) throw bad_request("unknown field " + quoted(key));
    }
}

void require(bool condition, std::string_view key, std::string_view message) {
    if (!condition) throw bad_request(quoted(key) + " " + std::string(message));
}

}  // namespace fleet::json
