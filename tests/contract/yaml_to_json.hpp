#pragma once

#include <boost/json/value.hpp>

#include <string>

namespace YAML {
class Node;
}

namespace fleet::contract {

// A YAML tree as JSON, typed the way YAML 1.2's core schema reads plain
// scalars: `true`, `12`, `1.5`, `~` become a bool, an integer, a number and
// null; a quoted scalar ('200', "true") always stays a string.
boost::json::value yaml_to_json(const YAML::Node& node);

// Parses YAML text; throws std::runtime_error with the parser's message.
boost::json::value parse_yaml(const std::string& text);

}  // namespace fleet::contract
