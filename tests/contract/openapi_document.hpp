#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <compare>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fleet::contract {

// One documented answer: a path template, a lower-case method and a response
// key of the document ("200", "4XX", "default").
struct Triple {
    std::string path;
    std::string method;
    std::string status;

    auto operator<=>(const Triple&) const = default;
};

std::string to_string(const Triple& triple);  // "GET /api/v1/operations/{id} 404"

// An operation of the document: where it sits and its Operation Object.
struct OperationRef {
    std::string path;    // the template, e.g. /api/v1/operations/{id}
    std::string method;  // lower case, e.g. get
    const boost::json::object* operation = nullptr;
};

// A Response Object found for a status, under the key that matched it.
struct ResponseRef {
    std::string key;  // "404", "4XX" or "default"
    const boost::json::object* response = nullptr;
};

// An OpenAPI 3.0 document read from YAML: its paths, operations and
// responses, with local `$ref`s ('#/components/...') resolved on request.
class OpenApiDocument {
public:
    static OpenApiDocument load(const std::filesystem::path& file);
    static OpenApiDocument parse(const std::string& yaml_text);

    const boost::json::value& root() const { return root_; }

    // The node a local reference names (JSON pointer after '#'); throws when there is none.
    const boost::json::value& resolve(std::string_view ref) const;
    // `node` itself, or what its `$ref` (followed through chains) names.
    const boost::json::value& follow(const boost::json::value& node) const;

    std::vector<std::string> path_templates() const;
    // Templates whose segments match the concrete `path` (a `{name}` matches any non-empty segment).
    std::vector<std::string> templates_matching(std::string_view path) const;
    // Lower-case methods the template documents.
    std::vector<std::string> methods_of(const std::string& path_template) const;
    // Every operation documenting `method` on a template that matches `path`.
    std::vector<OperationRef> operations_for(std::string_view path, std::string_view method) const;

    // The response for `status`: the exact code, else its range ("4XX"), else `default`.
    std::optional<ResponseRef> response_for(const OperationRef& operation, int status) const;
    // Whether the operation needs credentials (its own `security`, else the document's).
    bool requires_auth(const OperationRef& operation) const;

    // Every (path, method, response key) the document describes.
    std::vector<Triple> documented_triples() const;

private:
    explicit OpenApiDocument(boost::json::value root);

    boost::json::value root_;
};

// The segments of a path without its query: "/a/{b}/" → {"a", "{b}"}.
std::vector<std::string_view> path_segments(std::string_view path);

}  // namespace fleet::contract
