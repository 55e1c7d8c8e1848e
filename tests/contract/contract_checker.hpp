#pragma once

#include "tests/contract/openapi_document.hpp"
#include "tests/contract/raw_http.hpp"
#include "tests/contract/schema_validator.hpp"

#include <cstddef>
#include <mutex>
#include <set>
#include <string>
#include <vector>

namespace fleet::contract {

// One request and what the server answered.
struct Exchange {
    std::string method;  // as sent, e.g. GET
    std::string target;  // path and query as sent
    bool authenticated = true;  // whether credentials were sent
    RawAnswer answer;
};

// Checks exchanges against an OpenAPI document: the operation is found by
// path template and method, the response by status (exact, range, default),
// the body validated against the schema of its documented content type and
// the documented headers checked. Keeps which (path, method, status) triples
// the exchanges covered. Thread-safe.
class ContractChecker {
public:
    // Throws UnsupportedSchema if any schema of the document uses a keyword
    // the validator does not implement.
    ContractChecker(const OpenApiDocument& document, ValidationOptions options = {});

    // The problems of one exchange (empty when it conforms); counts its triples as covered.
    std::vector<std::string> check(const Exchange& exchange);

    std::set<Triple> covered() const;
    // Documented triples no exchange covered, in document order.
    std::vector<Triple> uncovered() const;
    std::size_t exchange_count() const;

private:
    std::vector<std::string> check_response(const ResponseRef& response, const Exchange& exchange) const;
    std::vector<std::string> check_undocumented_operation(const Exchange& exchange) const;
    std::vector<std::string> check_body(const boost::json::object& content, const RawAnswer& answer,
                                        const std::string& where) const;
    void check_document_schemas(const boost::json::value& node, const std::string& where) const;

    const OpenApiDocument& document_;
    SchemaValidator validator_;
    mutable std::mutex mutex_;
    std::set<Triple> covered_;
    std::size_t exchanges_ = 0;
};

}  // namespace fleet::contract
