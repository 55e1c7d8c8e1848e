#include "common/http/error.hpp"

#include "common/ids.hpp"

namespace fleet::http {

ApiError::ApiError(int status, std::string message, boost::json::object extra)
    : std::runtime_error(std::move(message)), status_(status), extra_(std::move(extra)) {}

ApiError& ApiError::with_header(std::string name, std::string value) {
    headers_.emplace_back(std::move(name), std::move(value));
    return *this;
}

ApiError bad_request(std::string message) { return ApiError(400, std::move(message)); }
ApiError not_found(std::string message) { return ApiError(404, std::move(message)); }
ApiError conflict(std::string message) { return ApiError(409, std::move(message)); }

HttpResponse error_response(int status, std::string_view message, boost::json::object extra) {
    boost::json::object body;
    body["success"] = false;
    body["error"] = message;
    for (auto& [key, value] : extra) body[key] = std::move(value);
    return HttpResponse::json(status, body);
}

HttpResponse error_response(const ApiError& error) {
    HttpResponse response = error_response(error.status(), error.what(), error.extra());
    response.headers = error.headers();
    return response;
}

void require_plain_id(std::string_view id, std::string_view what) {
    if (!is_plain_id(id))
        throw bad_request(std::string(what) + " must match [A-Za-z0-9_.:-]{1,128}");
}

}  // namespace fleet::http
