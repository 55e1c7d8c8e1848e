#include "backend/workflows/templates.hpp"

#include "common/json/text.hpp"

#include <boost/json/array.hpp>
#include <boost/json/string.hpp>

#include <algorithm>
#include <charconv>
#include <iterator>
#include <string_view>
#include <utility>

namespace fleet::backend::workflows {
namespace {

namespace bj = boost::json;

using Found = std::variant<TemplateRef, std::string>;

// A string cut at its templates: texts[0], refs[0], texts[1], ..., texts[n].
struct ScannedString {
    std::vector<std::string> texts;
    std::vector<TemplateRef> refs;

    bool is_one_whole_template() const { return refs.size() == 1 && texts[0].empty() && texts[1].empty(); }
};

// Long strings are cut so that an error message stays readable.
std::string quoted(std::string_view s) {
    constexpr std::size_t kMaxShown = 120;
    if (s.size() <= kMaxShown) return "'" + std::string(s) + "'";
    return "'" + std::string(s.substr(0, kMaxShown)) + "...'";
}

std::vector<std::string> split_dots(std::string_view s) {
    std::vector<std::string> parts;
    for (std::size_t start = 0;;) {
        const auto dot = s.find('.', start);
        parts.emplace_back(s.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start));
        if (dot == std::string_view::npos) return parts;
        start = dot + 1;
    }
}

// `text` is one "${...}" as written.
Found parse_ref(std::string_view text) {
    const auto inner = text.substr(2, text.size() - 3);
    const auto parts = split_dots(inner);
    const auto bad = [&](std::string_view why) { return Found{std::string(text) + " " + std::string(why)}; };
    for (const auto& part : parts) {
        if (part.empty()) return bad("has an empty path segment");
        // A nested "${" would otherwise be read as part of a field name.
        if (part.find_first_of("${") != std::string::npos) return bad("has '$' or '{' inside it");
    }

    TemplateRef ref;
    ref.text = std::string(text);
    if (parts[0] == "inputs" && parts.size() >= 2) {
        ref.source = TemplateRef::Source::Inputs;
        ref.path.assign(parts.begin() + 1, parts.end());
        return ref;
    }
    if (parts[0] == "steps" && parts.size() >= 3 && parts[2] == "result") {
        ref.source = TemplateRef::Source::Step;
        ref.step = parts[1];
        ref.path.assign(parts.begin() + 3, parts.end());
        return ref;
    }
    return bad("is neither ${inputs.<path>} nor ${steps.<name>.result[.<path>]}");
}

std::variant<ScannedString, std::string> scan(std::string_view s) {
    ScannedString scanned;
    std::size_t pos = 0;
    for (auto open = s.find("${"); open != std::string_view::npos; open = s.find("${", pos)) {
        const auto close = s.find('}', open + 2);
        if (close == std::string_view::npos) return "in " + quoted(s) + ": '${' without a closing '}'";
        auto ref = parse_ref(s.substr(open, close - open + 1));
        if (auto* error = std::get_if<std::string>(&ref)) return "in " + quoted(s) + ": " + *error;
        scanned.texts.emplace_back(s.substr(pos, open - pos));
        scanned.refs.push_back(std::get<TemplateRef>(std::move(ref)));
        pos = close + 1;
    }
    scanned.texts.emplace_back(s.substr(pos));
    return scanned;
}

// What a string inside the parameters becomes, or why it cannot.
using StringMap = std::function<std::variant<bj::value, std::string>(const bj::string&)>;

std::variant<bj::value, std::string> map_strings(const bj::value& value, const StringMap& map);

std::variant<bj::object, std::string> map_strings(const bj::object& object, const StringMap& map) {
    bj::object out;
    out.reserve(object.size());
    for (const auto& [key, value] : object) {
        auto mapped = map_strings(value, map);
        if (auto* error = std::get_if<std::string>(&mapped)) return std::move(*error);
        out.emplace(key, std::get<bj::value>(std::move(mapped)));
    }
    return out;
}

// Keys are left as they are: only values are templated.
std::variant<bj::value, std::string> map_strings(const bj::value& value, const StringMap& map) {
    if (value.is_string()) return map(value.get_string());
    if (value.is_object()) {
        auto mapped = map_strings(value.get_object(), map);
        if (auto* error = std::get_if<std::string>(&mapped)) return std::move(*error);
        return bj::value(std::get<bj::object>(std::move(mapped)));
    }
    if (value.is_array()) {
        bj::array out;
        out.reserve(value.get_array().size());
        for (const auto& element : value.get_array()) {
            auto mapped = map_strings(element, map);
            if (auto* error = std::get_if<std::string>(&mapped)) return std::move(*error);
            out.push_back(std::get<bj::value>(std::move(mapped)));
        }
        return bj::value(std::move(out));
    }
    return value;
}

std::optional<std::size_t> array_index(std::string_view segment) {
    if (!std::all_of(segment.begin(), segment.end(), [](char c) { return c >= '0' && c <= '9'; })) return std::nullopt;
    std::size_t index = 0;
    const auto [end, ec] = std::from_chars(segment.data(), segment.data() + segment.size(), index);
    if (ec != std::errc{} || end != segment.data() + segment.size()) return std::nullopt;
    return index;
}

// Follows `path` from `start`, named `where` in messages ("inputs", "steps.clean.result").
std::variant<const bj::value*, std::string> follow(const TemplateRef& ref, const bj::value* start, std::string where,
                                                   std::size_t first_segment) {
    const bj::value* at = start;
    for (std::size_t i = first_segment; i < ref.path.size(); ++i) {
        const auto& segment = ref.path[i];
        const bj::value* next = nullptr;
        if (at->is_object()) {
            next = at->get_object().if_contains(segment);
            if (!next) return ref.text + ": " + where + " has no field '" + segment + "'";
        } else if (at->is_array()) {
            const auto index = array_index(segment);
            if (!index) return ref.text + ": " + where + " is an array, and '" + segment + "' is not an index";
            if (*index >= at->get_array().size()) return ref.text + ": " + where + " has no element " + segment;
            next = &at->get_array()[*index];
        } else {
            return ref.text + ": " + where + " is neither an object nor an array";
        }
        where += "." + segment;
        at = next;
    }
    return at;
}

}  // namespace

std::variant<std::vector<TemplateRef>, std::string> find_templates(const bj::value& parameters) {
    std::vector<TemplateRef> found;
    // The same walk as resolve_templates, so both see the same strings; what it builds is dropped.
    auto walked = map_strings(parameters, [&](const bj::string& s) -> std::variant<bj::value, std::string> {
        auto scanned = scan(s);
        if (auto* error = std::get_if<std::string>(&scanned)) return std::move(*error);
        auto& refs = std::get<ScannedString>(scanned).refs;
        std::move(refs.begin(), refs.end(), std::back_inserter(found));
        return bj::value(nullptr);
    });
    if (auto* error = std::get_if<std::string>(&walked)) return std::move(*error);
    return found;
}

std::variant<bj::object, std::string> resolve_templates(
    const bj::object& parameters, const bj::object& inputs,
    const std::function<const bj::value*(const std::string& step)>& result_of) {
    const auto lookup = [&](const TemplateRef& ref) -> std::variant<const bj::value*, std::string> {
        if (ref.source == TemplateRef::Source::Inputs) {
            const bj::value* first = inputs.if_contains(ref.path.front());
            if (!first) return ref.text + ": inputs has no field '" + ref.path.front() + "'";
            return follow(ref, first, "inputs." + ref.path.front(), 1);
        }
        const bj::value* result = result_of(ref.step);
        if (!result) return ref.text + ": step '" + ref.step + "' has no result";
        return follow(ref, result, "steps." + ref.step + ".result", 0);
    };

    return map_strings(parameters, [&](const bj::string& s) -> std::variant<bj::value, std::string> {
        auto scanned = scan(s);
        if (auto* error = std::get_if<std::string>(&scanned)) return std::move(*error);
        const auto& parts = std::get<ScannedString>(scanned);
        if (parts.refs.empty()) return bj::value(s);
        if (parts.is_one_whole_template()) {
            auto found = lookup(parts.refs[0]);
            if (auto* error = std::get_if<std::string>(&found)) return std::move(*error);
            return *std::get<const bj::value*>(found);
        }

        std::string text = parts.texts[0];
        for (std::size_t i = 0; i < parts.refs.size(); ++i) {
            auto found = lookup(parts.refs[i]);
            if (auto* error = std::get_if<std::string>(&found)) return std::move(*error);
            const bj::value& value = *std::get<const bj::value*>(found);
            if (value.is_string()) {
                text += value.get_string();
            } else {
                fleet::json::append_text(text, value);
            }
            text += parts.texts[i + 1];
        }
        return bj::value(std::move(text));
    });
}

}  // namespace fleet::backend::workflows
