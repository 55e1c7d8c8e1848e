#include "common/json/text.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/string.hpp>

#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <type_traits>

namespace fleet::json {
namespace {

// Counts what would be written, for text_size.
struct Counter {
    std::size_t size = 0;
    void append(const char*, std::size_t n) { size += n; }
    Counter& operator+=(char) { ++size; return *this; }
    Counter& operator+=(std::string_view text) { size += text.size(); return *this; }
};

// Whether any of the 8 bytes in `word` needs an escape: below 0x20, '"' or '\\'
// (the classic has-zero-byte and has-less-than tests, a word at a time).
constexpr bool needs_escape(std::uint64_t word) {
    constexpr std::uint64_t kOnes = 0x0101010101010101ULL, kHighs = 0x8080808080808080ULL;
    const auto zero_in = [](std::uint64_t v) { return (v - kOnes) & ~v & kHighs; };
    const std::uint64_t below_space = (word - kOnes * 0x20) & ~word & kHighs;
    return (below_space | zero_in(word ^ (kOnes * '"')) | zero_in(word ^ (kOnes * '\\'))) != 0;
}

// Where the first byte that needs an escape is, or text.size(): 8 bytes at a time.
std::size_t first_escape(std::string_view text) {
    std::size_t i = 0;
    for (; text.size() - i >= 8; i += 8) {
        std::uint64_t word;
        std::memcpy(&word, text.data() + i, sizeof word);
        if (needs_escape(word)) break;
    }
    for (; i < text.size(); ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c < 0x20 || c == '"' || c == '\\') return i;
    }
    return i;
}

template <typename Out>
void append_escaped(Out& out, unsigned char c) {
    constexpr char kHex[] = "0123456789abcdef";
    switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\b': out += "\\b"; break;
        case '\f': out += "\\f"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        default:
            out += "\\u00";
            out += kHex[c >> 4];
            out += kHex[c & 0xF];
    }
}

template <typename Out>
void append_string(Out& out, std::string_view text) {
    std::size_t at = first_escape(text);
    if constexpr (std::is_same_v<Out, std::string>) {
        if (at == text.size()) {  // most text: quoted as it is, in one append
            const std::size_t end = out.size();
            out.resize(end + text.size() + 2);
            char* to = out.data() + end;
            to[0] = '"';
            std::memcpy(to + 1, text.data(), text.size());
            to[text.size() + 1] = '"';
            return;
        }
    }
    out += '"';
    // Each run that needs no escape in one append, then the byte that ends it escaped.
    for (std::size_t run = 0;;) {
        out.append(text.data() + run, at - run);
        if (at == text.size()) break;
        append_escaped(out, static_cast<unsigned char>(text[at]));
        run = at + 1;
        at = run + first_escape(text.substr(run));
    }
    out += '"';
}

// How a double with a whole value is written: as an integer (what people and
// JSON readers expect), or with ".0", so that Fleet's reader gives a double back.
enum class WholeDoubles { AsIntegers, KeepKind };

template <typename Out, typename Number>
void append_number(Out& out, Number number, WholeDoubles whole = WholeDoubles::AsIntegers) {
    char digits[32];
    const auto end = std::to_chars(digits, digits + sizeof digits, number).ptr;
    out.append(digits, static_cast<std::size_t>(end - digits));
    if (whole == WholeDoubles::KeepKind && std::string_view(digits, end).find_first_of(".e") == std::string_view::npos)
        out += std::string_view(".0");
}

template <typename Out>
void write(Out& out, const boost::json::value& value, WholeDoubles whole);

template <typename Out>
void write(Out& out, const boost::json::array& array, WholeDoubles whole) {
    out += '[';
    bool first = true;
    for (const auto& item : array) {
        if (!first) out += ',';
        first = false;
        write(out, item, whole);
    }
    out += ']';
}

template <typename Out>
void write(Out& out, const boost::json::object& object, WholeDoubles whole) {
    out += '{';
    bool first = true;
    for (const auto& [key, item] : object) {
        if (!first) out += ',';
        first = false;
        append_string(out, key);
        out += ':';
        write(out, item, whole);
    }
    out += '}';
}

template <typename Out>
void write(Out& out, const boost::json::value& value, WholeDoubles whole) {
    switch (value.kind()) {
        case boost::json::kind::null: out += "null"; return;
        case boost::json::kind::bool_: out += value.get_bool() ? "true" : "false"; return;
        case boost::json::kind::int64: append_number(out, value.get_int64()); return;
        case boost::json::kind::uint64: append_number(out, value.get_uint64()); return;
        case boost::json::kind::double_:
            if (std::isfinite(value.get_double())) append_number(out, value.get_double(), whole);
            else out += "null";
            return;
        case boost::json::kind::string: append_string(out, value.get_string()); return;
        case boost::json::kind::array: write(out, value.get_array(), whole); return;
        case boost::json::kind::object: write(out, value.get_object(), whole); return;
    }
}

template <typename Json>
std::string text_of(const Json& json, WholeDoubles whole) {
    std::string out;
    out.reserve(256);  // most of Fleet's texts are a few hundred bytes: grown twice at most, not five times
    write(out, json, whole);
    return out;
}

}  // namespace

void append_quoted(std::string& out, std::string_view text) { append_string(out, text); }

void append_text(std::string& out, const boost::json::value& value) { write(out, value, WholeDoubles::AsIntegers); }

std::size_t text_size(const boost::json::value& value) {
    Counter counter;
    write(counter, value, WholeDoubles::AsIntegers);
    return counter.size;
}

std::string to_text(const boost::json::value& value) { return text_of(value, WholeDoubles::AsIntegers); }

std::string to_text(const boost::json::object& object) { return text_of(object, WholeDoubles::AsIntegers); }

std::string to_text(const boost::json::array& array) { return text_of(array, WholeDoubles::AsIntegers); }

std::string to_stored_text(const boost::json::value& value) { return text_of(value, WholeDoubles::KeepKind); }

std::string to_stored_text(const boost::json::object& object) { return text_of(object, WholeDoubles::KeepKind); }

boost::json::value text_or_null(std::string_view text) {
    if (text.empty()) return nullptr;
    return boost::json::string(text);
}

}  // namespace fleet::json
