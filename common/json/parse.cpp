#include "common/json/parse.hpp"

#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/error.hpp>
#include <boost/json/value_stack.hpp>

#include <charconv>
#include <string>

namespace fleet::json {
namespace {

// Builds the value as boost::json::parser does; only on_double differs.
class ExactHandler {
public:
    static constexpr std::size_t max_object_size = boost::json::object::max_size();
    static constexpr std::size_t max_array_size = boost::json::array::max_size();
    static constexpr std::size_t max_key_size = boost::json::string::max_size();
    static constexpr std::size_t max_string_size = boost::json::string::max_size();

    // `temp`: where the stack builds, before it spills to the heap (a parse's own, on its stack).
    ExactHandler(unsigned char* temp, std::size_t size) : stack({}, temp, size) {}

    boost::json::value_stack stack;

    bool on_document_begin(boost::json::error_code&) {
        stack.reset();
        return true;
    }
    bool on_document_end(boost::json::error_code&) { return true; }
    bool on_object_begin(boost::json::error_code&) { return true; }
    bool on_object_end(std::size_t n, boost::json::error_code&) {
        stack.push_object(n);
        return true;
    }
    bool on_array_begin(boost::json::error_code&) { return true; }
    bool on_array_end(std::size_t n, boost::json::error_code&) {
        stack.push_array(n);
        return true;
    }
    bool on_key_part(boost::json::string_view s, std::size_t, boost::json::error_code&) {
        stack.push_chars(s);
        return true;
    }
    bool on_key(boost::json::string_view s, std::size_t, boost::json::error_code&) {
        stack.push_key(s);
        return true;
    }
    bool on_string_part(boost::json::string_view s, std::size_t, boost::json::error_code&) {
        stack.push_chars(s);
        return true;
    }
    bool on_string(boost::json::string_view s, std::size_t, boost::json::error_code&) {
        stack.push_string(s);
        return true;
    }
    bool on_number_part(boost::json::string_view s, boost::json::error_code&) {
        number_.append(s.data(), s.size());
        return true;
    }
    bool on_int64(std::int64_t i, boost::json::string_view, boost::json::error_code&) {
        number_.clear();
        stack.push_int64(i);
        return true;
    }
    bool on_uint64(std::uint64_t u, boost::json::string_view, boost::json::error_code&) {
        number_.clear();
        stack.push_uint64(u);
        return true;
    }
    bool on_double(double d, boost::json::string_view s, boost::json::error_code&) {
        number_.append(s.data(), s.size());
        double exact = 0;
        const auto [end, error] = std::from_chars(number_.data(), number_.data() + number_.size(), exact);
        // Out of range (Boost gives ±inf or 0 there) keeps Boost's reading.
        stack.push_double(error == std::errc{} && end == number_.data() + number_.size() ? exact : d);
        number_.clear();
        return true;
    }
    bool on_bool(bool b, boost::json::error_code&) {
        stack.push_bool(b);
        return true;
    }
    bool on_null(boost::json::error_code&) {
        stack.push_null();
        return true;
    }
    bool on_comment_part(boost::json::string_view, boost::json::error_code&) { return true; }
    bool on_comment(boost::json::string_view, boost::json::error_code&) { return true; }

private:
    std::string number_;
};

}  // namespace

boost::json::value parse(std::string_view text, boost::system::error_code& ec) {
    unsigned char temp[4096];  // most documents Fleet reads fit: no allocation for the parse's own stack
    boost::json::basic_parser<ExactHandler> parser(boost::json::parse_options{}, temp, sizeof temp);
    ec = {};
    const std::size_t used = parser.write_some(false, text.data(), text.size(), ec);
    if (ec) return nullptr;
    // write_some stops after the document (and the whitespace behind it).
    if (used != text.size()) {
        ec = boost::json::error::extra_data;
        return nullptr;
    }
    return parser.handler().stack.release();
}

}  // namespace fleet::json
