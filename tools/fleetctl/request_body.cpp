#include "tools/fleetctl/request_body.hpp"

#include "common/json/parse.hpp"
#include "tools/fleetctl/exit_code.hpp"

#include <boost/url/encode.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>

#include <fstream>
#include <iostream>
#include <sstream>

namespace fleet::ctl {

std::pair<std::string, boost::json::value> parse_param(std::string_view text) {
    const auto eq = text.find('=');
    if (eq == std::string_view::npos || eq == 0)
        throw usage_error("--param wants KEY=VALUE, got '" + std::string(text) + "'");
    const auto raw = text.substr(eq + 1);
    boost::system::error_code ec;
    auto value = json::parse(raw, ec);
    if (ec) value = boost::json::string(raw);
    return {std::string(text.substr(0, eq)), std::move(value)};
}

boost::json::object request_body(const Invocation& invocation) {
    boost::json::object body;
    if (const auto text = invocation.value("json")) {
        boost::system::error_code ec;
        auto parsed = json::parse(*text, ec);
        if (ec || !parsed.is_object()) throw usage_error("--json must be a JSON object, got '" + *text + "'");
        body = std::move(parsed.get_object());
    }
    for (const auto& param : invocation.values("param")) {
        auto [key, value] = parse_param(param);
        body[key] = std::move(value);
    }
    return body;
}

std::string read_json_document(const std::string& file_or_dash, const std::string& what) {
    std::ostringstream text;
    if (file_or_dash == "-") {
        text << std::cin.rdbuf();
    } else {
        std::ifstream in(file_or_dash);
        if (!in) throw usage_error("cannot read " + what + " file '" + file_or_dash + "'");
        text << in.rdbuf();
    }
    boost::system::error_code ec;
    const auto parsed = json::parse(text.str(), ec);
    if (ec || !parsed.is_object())
        throw usage_error(what + " in '" + file_or_dash + "' is not a JSON object" + (ec ? ": " + ec.message() : ""));
    return text.str();
}

std::string path_segment(std::string_view text) { return boost::urls::encode(text, boost::urls::unreserved_chars); }

std::string query_from_options(const Invocation& invocation,
                               const std::vector<std::pair<std::string, std::string>>& names) {
    std::string query;
    for (const auto& [option, name] : names) {
        const auto value = invocation.value(option);
        if (!value) continue;
        query += (query.empty() ? "" : "&") + name + "=" + path_segment(*value);
    }
    return query;
}

}  // namespace fleet::ctl
