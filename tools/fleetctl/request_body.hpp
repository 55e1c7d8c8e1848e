#pragma once

#include "tools/fleetctl/command.hpp"

#include <boost/json/object.hpp>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace fleet::ctl {

// The JSON object a start or run sends: `--json '{...}'` first, then each
// `--param key=value` over it. A value that reads as JSON (10, true, null,
// [..], {..}, "..") keeps its type; any other text is a string.
boost::json::object request_body(const Invocation& invocation);

// One `key=value` as a (key, JSON value) pair; CliError(Usage) without '=' or key.
std::pair<std::string, boost::json::value> parse_param(std::string_view text);

// A JSON document from a file, or stdin for "-", checked to be a JSON object.
std::string read_json_document(const std::string& file_or_dash, const std::string& what);

// A query string (without '?') from the command's options: (option name, query name) pairs,
// values percent-encoded; options not given are left out.
std::string query_from_options(const Invocation& invocation,
                               const std::vector<std::pair<std::string, std::string>>& names);

// An id for a URL path segment, percent-encoded.
std::string path_segment(std::string_view text);

}  // namespace fleet::ctl
