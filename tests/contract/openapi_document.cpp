#include "tests/contract/openapi_document.hpp"

#include "tests/contract/yaml_to_json.hpp"

#include <algorithm>
#include <array>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace fleet::contract {
namespace {

constexpr std::array<std::string_view, 8> kMethods{"get", "put", "post", "delete", "options", "head", "patch", "trace"};

bool is_parameter(std::string_view segment) {
    return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

bool template_matches(std::string_view path_template, std::string_view path) {
    const auto want = path_segments(path_template);
    const auto got = path_segments(path);
    if (want.size() != got.size()) return false;
    for (std::size_t i = 0; i < want.size(); ++i) {
        if (is_parameter(want[i]) ? got[i].empty() : want[i] != got[i]) return false;
    }
    return true;
}

// JSON pointer token unescaping (RFC 6901): ~1 is '/', ~0 is '~'.
std::string unescape_token(std::string_view token) {
    std::string out;
    for (std::size_t i = 0; i < token.size(); ++i) {
        if (token[i] == '~' && i + 1 < token.size() && (token[i + 1] == '0' || token[i + 1] == '1')) {
            out += token[i + 1] == '0' ? '~' : '/';
            ++i;
        } else {
            out += token[i];
        }
    }
    return out;
}

}  // namespace

std::string to_string(const Triple& triple) {
    std::string method = triple.method;
    std::transform(method.begin(), method.end(), method.begin(), [](unsigned char c) { return std::toupper(c); });
    return method + " " + triple.path + " " + triple.status;
}

std::vector<std::string_view> path_segments(std::string_view path) {
    path = path.substr(0, path.find('?'));
    if (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
    if (!path.empty() && path.front() == '/') path.remove_prefix(1);
    std::vector<std::string_view> segments;
    for (;;) {
        const auto slash = path.find('/');
        segments.push_back(path.substr(0, slash));
        if (slash == std::string_view::npos) break;
        path.remove_prefix(slash + 1);
    }
    return segments;
}

OpenApiDocument::OpenApiDocument(boost::json::value root) : root_(std::move(root)) {
    if (!root_.is_object() || !root_.as_object().contains("openapi") || !root_.as_object().contains("paths"))
        throw std::runtime_error("not an OpenAPI document (no 'openapi' or 'paths')");
}

OpenApiDocument OpenApiDocument::load(const std::filesystem::path& file) {
    std::ifstream in(file);
    if (!in) throw std::runtime_error("cannot read " + file.string());
    std::ostringstream text;
    text << in.rdbuf();
    return parse(text.str());
}

OpenApiDocument OpenApiDocument::parse(const std::string& yaml_text) { return OpenApiDocument(parse_yaml(yaml_text)); }

const boost::json::value& OpenApiDocument::resolve(std::string_view ref) const {
    if (!ref.starts_with("#/")) throw std::runtime_error("unsupported $ref '" + std::string(ref) + "' (only local ones)");
    const boost::json::value* node = &root_;
    std::string_view rest = ref.substr(2);
    for (;;) {
        const auto slash = rest.find('/');
        const std::string token = unescape_token(rest.substr(0, slash));
        const auto* object = node->if_object();
        const auto* next = object ? object->if_contains(token) : nullptr;
        if (!next) throw std::runtime_error("unresolvable $ref '" + std::string(ref) + "'");
        node = next;
        if (slash == std::string_view::npos) break;
        rest.remove_prefix(slash + 1);
    }
    return *node;
}

const boost::json::value& OpenApiDocument::follow(const boost::json::value& node) const {
    const boost::json::value* current = &node;
    for (int depth = 0; depth < 32; ++depth) {
        const auto* object = current->if_object();
        const auto* ref = object ? object->if_contains("$ref") : nullptr;
        if (!ref) return *current;
        if (!ref->is_string()) throw std::runtime_error("$ref must be a string");
        current = &resolve(ref->get_string());
    }
    throw std::runtime_error("$ref chain too long (a cycle?)");
}

std::vector<std::string> OpenApiDocument::path_templates() const {
    std::vector<std::string> out;
    for (const auto& entry : root_.at("paths").as_object()) out.emplace_back(entry.key());
    return out;
}

std::vector<std::string> OpenApiDocument::templates_matching(std::string_view path) const {
    std::vector<std::string> out;
    for (const auto& entry : root_.at("paths").as_object())
        if (template_matches(entry.key(), path)) out.emplace_back(entry.key());
    return out;
}

std::vector<std::string> OpenApiDocument::methods_of(const std::string& path_template) const {
    std::vector<std::string> out;
    const auto& item = follow(root_.at("paths").at(path_template)).as_object();
    for (auto method : kMethods)
        if (item.contains(method)) out.emplace_back(method);
    return out;
}

std::vector<OperationRef> OpenApiDocument::operations_for(std::string_view path, std::string_view method) const {
    std::string lower(method);
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
    std::vector<OperationRef> out;
    for (const auto& path_template : templates_matching(path)) {
        const auto& item = follow(root_.at("paths").at(path_template)).as_object();
        if (const auto* operation = item.if_contains(lower))
            out.push_back(OperationRef{path_template, lower, &operation->as_object()});
    }
    return out;
}

std::optional<ResponseRef> OpenApiDocument::response_for(const OperationRef& operation, int status) const {
    const auto* responses = operation.operation->if_contains("responses");
    if (!responses || !responses->is_object()) return std::nullopt;
    const std::string exact = std::to_string(status);
    const std::string range = exact.substr(0, 1) + "XX";
    for (const std::string& key : {exact, range, std::string("default")}) {
        if (const auto* response = responses->as_object().if_contains(key))
            return ResponseRef{key, &follow(*response).as_object()};
    }
    return std::nullopt;
}

bool OpenApiDocument::requires_auth(const OperationRef& operation) const {
    const boost::json::value* security = operation.operation->if_contains("security");
    if (!security) security = root_.as_object().if_contains("security");
    if (!security || !security->is_array()) return false;
    // An empty requirement object ({}) in the list makes credentials optional.
    const auto& requirements = security->as_array();
    return !requirements.empty() &&
           std::none_of(requirements.begin(), requirements.end(),
                        [](const auto& requirement) { return requirement.as_object().empty(); });
}

std::vector<Triple> OpenApiDocument::documented_triples() const {
    std::vector<Triple> out;
    for (const auto& path_template : path_templates()) {
        const auto& item = follow(root_.at("paths").at(path_template)).as_object();
        for (const auto& method : methods_of(path_template)) {
            const auto* responses = item.at(method).as_object().if_contains("responses");
            if (!responses) continue;
            for (const auto& response : responses->as_object())
                out.push_back(Triple{path_template, method, std::string(response.key())});
        }
    }
    return out;
}

}  // namespace fleet::contract
