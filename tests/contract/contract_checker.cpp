#include "tests/contract/contract_checker.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/string.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>

namespace fleet::contract {
namespace {

std::string upper(std::string text) {
    std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::toupper(c); });
    return text;
}

std::string path_of(const std::string& target) { return target.substr(0, target.find('?')); }

std::string excerpt(const std::string& body) { return body.size() > 300 ? body.substr(0, 300) + "..." : body; }

// The comma-separated methods of an Allow header, upper case and sorted.
// HEAD comes with GET (RFC 9110 9.3.2) without being documented: an Allow that
// names it beside a documented GET is as right as one that does not.
std::vector<std::string> without_head_of_get(std::vector<std::string> allowed, const std::vector<std::string>& documented) {
    if (std::find(documented.begin(), documented.end(), "GET") != documented.end())
        allowed.erase(std::remove(allowed.begin(), allowed.end(), "HEAD"), allowed.end());
    return allowed;
}

std::vector<std::string> allowed_methods(const std::string& header) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start <= header.size()) {
        auto end = header.find(',', start);
        if (end == std::string::npos) end = header.size();
        std::string method = header.substr(start, end - start);
        method.erase(0, method.find_first_not_of(' '));
        method.erase(method.find_last_not_of(' ') + 1);
        if (!method.empty()) out.push_back(upper(method));
        start = end + 1;
    }
    std::sort(out.begin(), out.end());
    return out;
}

std::string joined(const std::vector<std::string>& items) {
    std::string out;
    for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
    return out;
}

}  // namespace

ContractChecker::ContractChecker(const OpenApiDocument& document, ValidationOptions options)
    : document_(document),
      validator_([&document](std::string_view ref) -> const boost::json::value& { return document.resolve(ref); },
                 options) {
    check_document_schemas(document_.root(), "#");
}

void ContractChecker::check_document_schemas(const boost::json::value& node, const std::string& where) const {
    const auto* object = node.if_object();
    if (const auto* array = node.if_array()) {
        for (std::size_t i = 0; i < array->size(); ++i) check_document_schemas((*array)[i], where + "/" + std::to_string(i));
        return;
    }
    if (!object) return;
    for (const auto& entry : *object) {
        const std::string key(entry.key());
        const std::string here = where + "/" + key;
        if (key == "example" || key == "examples") continue;  // data, not schemas
        if (key == "schema") validator_.check_keywords(entry.value(), here);
        else if (here == "#/components/schemas") {
            for (const auto& schema : entry.value().as_object())
                validator_.check_keywords(schema.value(), here + "/" + std::string(schema.key()));
        } else {
            check_document_schemas(entry.value(), here);
        }
    }
}

std::vector<std::string> ContractChecker::check(const Exchange& exchange) {
    const std::string label = exchange.method + " " + exchange.target + " → ";
    if (!exchange.answer.ok()) {
        std::lock_guard lock(mutex_);
        ++exchanges_;
        return {label + "no answer (" + exchange.answer.error + ")"};
    }
    const auto operations = document_.operations_for(path_of(exchange.target), exchange.method);
    std::vector<std::string> problems;
    std::vector<Triple> triples;
    if (operations.empty()) {
        problems = check_undocumented_operation(exchange);
    } else {
        // As OpenAPI says, a concrete path is matched before a template that also matches it
        // (GET /api/v1/schedules/preview is not GET /api/v1/schedules/{id}): such a template
        // counts as covered when the answer fits it too, and is not held against it otherwise.
        const bool concrete = std::any_of(operations.begin(), operations.end(), [](const OperationRef& operation) {
            return operation.path.find('{') == std::string::npos;
        });
        for (const auto& operation : operations) {
            const bool shadowed = concrete && operation.path.find('{') != std::string::npos;
            const auto response = document_.response_for(operation, exchange.answer.status);
            const std::string name = upper(operation.method) + " " + operation.path;
            if (!response) {
                if (!shadowed)
                    problems.push_back("status " + std::to_string(exchange.answer.status) + " is not documented for " +
                                       name);
                continue;
            }
            auto found = check_response(*response, exchange);
            if (shadowed && !found.empty()) continue;
            triples.push_back(Triple{operation.path, operation.method, response->key});
            for (auto& problem : found) problems.push_back(name + " " + response->key + ": " + problem);
        }
    }
    for (auto& problem : problems)
        problem = label + std::to_string(exchange.answer.status) + ": " + problem + "\n    body: " +
                  excerpt(exchange.answer.body);
    std::lock_guard lock(mutex_);
    ++exchanges_;
    covered_.insert(triples.begin(), triples.end());
    return problems;
}

std::vector<std::string> ContractChecker::check_response(const ResponseRef& response, const Exchange& exchange) const {
    std::vector<std::string> problems;
    const auto& answer = exchange.answer;
    if (const auto* headers = response.response->if_contains("headers")) {
        for (const auto& entry : headers->as_object()) {
            const std::string name(entry.key());
            const auto& header = document_.follow(entry.value()).as_object();
            const auto value = answer.header(name);
            if (!value) {
                problems.push_back("documented header " + name + " is missing");
                continue;
            }
            const auto* schema = header.if_contains("schema");
            if (!schema) continue;
            // A header is text: read it as the integer its schema asks for, else as a string.
            const auto& resolved = document_.follow(*schema);
            boost::json::value typed = boost::json::string(*value);
            if (const auto* type = resolved.as_object().if_contains("type"); type && type->is_string() && type->get_string() == "integer") {
                std::int64_t number = 0;
                const auto [end, ec] = std::from_chars(value->data(), value->data() + value->size(), number);
                if (ec == std::errc{} && end == value->data() + value->size()) typed = number;
            }
            for (auto& error : validator_.validate(*schema, typed, "header " + name))
                problems.push_back(std::move(error));
        }
    }
    const auto* content = response.response->if_contains("content");
    if (!content) {
        if (!answer.body.empty()) problems.push_back("a body came, but none is documented");
        return problems;
    }
    for (auto& problem : check_body(content->as_object(), answer, "$")) problems.push_back(std::move(problem));
    return problems;
}

std::vector<std::string> ContractChecker::check_body(const boost::json::object& content, const RawAnswer& answer,
                                                     const std::string& where) const {
    const std::string media = answer.media_type();
    const auto* media_object = content.if_contains(media);
    if (!media_object) {
        std::vector<std::string> documented;
        for (const auto& entry : content) documented.emplace_back(entry.key());
        return {"Content-Type '" + answer.header("Content-Type").value_or("") + "' is not documented (documented: " +
                joined(documented) + ")"};
    }
    const auto* schema = media_object->as_object().if_contains("schema");
    if (!schema) return {};
    boost::json::value body;
    if (media == "application/json" || media.ends_with("+json")) {
        boost::system::error_code ec;
        body = boost::json::parse(answer.body, ec);
        if (ec) return {"the body is not JSON: " + ec.message()};
    } else {
        body = boost::json::string(answer.body);
    }
    return validator_.validate(*schema, body, where);
}

std::vector<std::string> ContractChecker::check_undocumented_operation(const Exchange& exchange) const {
    // The documents' general rules: the token is checked before routing (401),
    // an unknown path is 404, a known path with another method 405 with Allow.
    const auto& answer = exchange.answer;
    const auto templates = document_.templates_matching(path_of(exchange.target));
    std::vector<std::string> problems;
    const int status = answer.status;
    const bool expected_auth = !exchange.authenticated && status == 401;
    if (templates.empty()) {
        if (status != 404 && !expected_auth)
            problems.push_back("no documented path matches, so 404 was expected (or 401 without credentials)");
    } else {
        std::vector<std::string> documented;
        for (const auto& path_template : templates)
            for (const auto& method : document_.methods_of(path_template)) documented.push_back(upper(method));
        std::sort(documented.begin(), documented.end());
        documented.erase(std::unique(documented.begin(), documented.end()), documented.end());
        if (status == 405) {
            const auto allow = answer.header("Allow");
            if (!allow) problems.push_back("405 without an Allow header");
            else if (without_head_of_get(allowed_methods(*allow), documented) != documented)
                problems.push_back("Allow says '" + *allow + "', the document has " + joined(documented));
        } else if (!expected_auth) {
            problems.push_back("the document has only " + joined(documented) + " here, so 405 was expected");
        }
    }
    if (answer.media_type() != "application/json") {
        problems.push_back("Content-Type '" + answer.header("Content-Type").value_or("") + "' is not application/json");
        return problems;
    }
    boost::system::error_code ec;
    const auto body = boost::json::parse(answer.body, ec);
    if (ec) {
        problems.push_back("the body is not JSON: " + ec.message());
        return problems;
    }
    for (auto& error : validator_.validate(document_.resolve("#/components/schemas/Error"), body))
        problems.push_back("(schema Error) " + error);
    return problems;
}

std::set<Triple> ContractChecker::covered() const {
    std::lock_guard lock(mutex_);
    return covered_;
}

std::vector<Triple> ContractChecker::uncovered() const {
    const auto done = covered();
    std::vector<Triple> out;
    for (auto& triple : document_.documented_triples())
        if (!done.contains(triple)) out.push_back(std::move(triple));
    return out;
}

std::size_t ContractChecker::exchange_count() const {
    std::lock_guard lock(mutex_);
    return exchanges_;
}

}  // namespace fleet::contract
