// Fleet's JSON edge (common/json): the exact parser, the writer and the field readers.
// Invariants: parse either sets an error or gives a value; the value written
// with to_text reads back equal (numbers by value: 100.0 is written 100), and
// with to_stored_text reads back identical (numbers keep their kind); text_size
// is the written size; the field readers return or throw an ApiError 400, and
// an integer or number they return is the value in the document.
#include "common/http/error.hpp"
#include "common/json/fields.hpp"
#include "common/json/parse.hpp"
#include "common/json/text.hpp"
#include "tests/fuzz/fuzz_check.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/string.hpp>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace {

using fleet::fuzz::check;
namespace bjson = boost::json;

bool finite_only(const bjson::value& v) {
    switch (v.kind()) {
        case bjson::kind::double_: return std::isfinite(v.get_double());
        case bjson::kind::array:
            for (const auto& item : v.get_array())
                if (!finite_only(item)) return false;
            return true;
        case bjson::kind::object:
            for (const auto& [key, item] : v.get_object())
                if (!finite_only(item)) return false;
            return true;
        default: return true;
    }
}

// How two numbers compare: by value (100.0 equals 100, -0.0 equals 0), or
// identically (the same kind, value and sign of a zero).
enum class Numbers { ByValue, Identical };

bool numbers_equal(const bjson::value& a, const bjson::value& b, Numbers numbers) {
    if (numbers == Numbers::Identical) {
        if (a.kind() != b.kind()) return false;
        if (a.is_double()) return a == b && std::signbit(a.get_double()) == std::signbit(b.get_double());
        return a == b;
    }
    if (a.is_double() || b.is_double()) return a.to_number<double>() == b.to_number<double>();
    return a == b;
}

bool equal(const bjson::value& a, const bjson::value& b, Numbers numbers) {
    if (a.is_number() && b.is_number()) return numbers_equal(a, b, numbers);
    if (a.kind() != b.kind()) return false;
    if (a.is_array()) {
        const auto& x = a.get_array();
        const auto& y = b.get_array();
        if (x.size() != y.size()) return false;
        for (std::size_t i = 0; i < x.size(); ++i)
            if (!equal(x[i], y[i], numbers)) return false;
        return true;
    }
    if (a.is_object()) {
        const auto& x = a.get_object();
        const auto& y = b.get_object();
        if (x.size() != y.size()) return false;
        for (auto i = x.begin(), j = y.begin(); i != x.end(); ++i, ++j)
            if (i->key() != j->key() || !equal(i->value(), j->value(), numbers)) return false;
        return true;
    }
    return a == b;
}

template <typename Read>
void refused_with_400(Read read) {
    try {
        read();
    } catch (const fleet::http::ApiError& error) {
        check(error.status() == 400, "a field reader refuses with 400", error.what());
    }
}

void read_fields(const bjson::object& object) {
    using namespace fleet::json;
    for (const auto& member : object) {
        const std::string_view key(member.key().data(), member.key().size());
        const bjson::value& value = member.value();
        refused_with_400([&] { (void)required_string(object, key); });
        refused_with_400([&] { (void)optional_bool(object, key); });
        refused_with_400([&] { (void)optional_array(object, key); });
        refused_with_400([&] { (void)optional_object(object, key); });
        refused_with_400([&] {
            if (const auto i = optional_int(object, key))
                check(value.to_number<double>() == static_cast<double>(*i), "an integer is the document's value");
        });
        refused_with_400([&] {
            if (const auto d = optional_number(object, key))
                check(value.to_number<double>() == *d, "a number is the document's value");
        });
    }
    refused_with_400([&] { reject_unknown_fields(object, {"task_id", "domain", "parameters"}); });
    refused_with_400([&] { (void)required_int(object, "missing-field"); });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);

    boost::system::error_code ec;
    const bjson::value value = fleet::json::parse(text, ec);
    if (!ec && finite_only(value)) {
        const std::string written = fleet::json::to_text(value);
        check(fleet::json::text_size(value) == written.size(), "text_size is the written size", written);
        const bjson::value again = fleet::json::parse(written, ec);
        check(!ec, "written JSON parses", written);
        check(equal(value, again, Numbers::ByValue), "written JSON reads back equal", written);
        const std::string stored = fleet::json::to_stored_text(value);
        const bjson::value restored = fleet::json::parse(stored, ec);
        check(!ec, "stored JSON parses", stored);
        check(equal(value, restored, Numbers::Identical), "stored JSON reads back identical", stored);
    }

    try {
        read_fields(fleet::json::parse_object(text, size % 2 == 0));
    } catch (const fleet::http::ApiError& error) {
        check(error.status() == 400, "a bad body is a 400", error.what());
    }
    return 0;
}
