#include "tests/contract/yaml_to_json.hpp"

#include <yaml-cpp/yaml.h>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <charconv>
#include <regex>
#include <stdexcept>

namespace fleet::contract {
namespace {

// A plain (unquoted, untagged) scalar, resolved like the YAML 1.2 core schema.
boost::json::value plain_scalar(const std::string& text) {
    static const std::regex kNull("null|Null|NULL|~|");
    static const std::regex kTrue("true|True|TRUE");
    static const std::regex kFalse("false|False|FALSE");
    static const std::regex kInteger("[-+]?[0-9]+");
    static const std::regex kFloat(R"([-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?)");
    if (std::regex_match(text, kNull)) return nullptr;
    if (std::regex_match(text, kTrue)) return true;
    if (std::regex_match(text, kFalse)) return false;
    if (std::regex_match(text, kInteger)) {
        std::int64_t value = 0;
        const char* begin = text.data() + (text.front() == '+' ? 1 : 0);
        const auto [end, ec] = std::from_chars(begin, text.data() + text.size(), value);
        if (ec == std::errc{} && end == text.data() + text.size()) return value;
    }
    if (std::regex_match(text, kFloat)) return std::stod(text);
    return boost::json::string(text);
}

}  // namespace

boost::json::value yaml_to_json(const YAML::Node& node) {
    switch (node.Type()) {
        case YAML::NodeType::Undefined:
        case YAML::NodeType::Null: return nullptr;
        case YAML::NodeType::Scalar:
            // yaml-cpp tags plain scalars "?" and quoted or block scalars "!".
            if (node.Tag() == "?") return plain_scalar(node.Scalar());
            return boost::json::string(node.Scalar());
        case YAML::NodeType::Sequence: {
            boost::json::array out;
            for (const auto& item : node) out.push_back(yaml_to_json(item));
            return out;
        }
        case YAML::NodeType::Map: {
            boost::json::object out;
            for (const auto& entry : node) out[entry.first.as<std::string>()] = yaml_to_json(entry.second);
            return out;
        }
    }
    throw std::runtime_error("unknown YAML node type");
}

boost::json::value parse_yaml(const std::string& text) {
    try {
        return yaml_to_json(YAML::Load(text));
    } catch (const YAML::Exception& error) {
        throw std::runtime_error(std::string("invalid YAML: ") + error.what());
    }
}

}  // namespace fleet::contract
