#pragma once

#include "common/http/message.hpp"

#include <boost/json/object.hpp>

#include <stdexcept>
#include <string>

namespace fleet::http {

// An expected failure with its HTTP status, thrown anywhere above the socket
// layer and turned into `{"success": false, "error": ...}` by the router alone.
class ApiError : public std::runtime_error {
public:
    ApiError(int status, std::string message, boost::json::object extra = {});

    int status() const noexcept { return status_; }
    const boost::json::object& extra() const noexcept { return extra_; }
    const Fields& headers() const noexcept { return headers_; }
    ApiError& with_header(std::string name, std::string value);

private:
    int status_;
    boost::json::object extra_;
    Fields headers_;
};

ApiError bad_request(std::string message);
ApiError not_found(std::string message);
ApiError conflict(std::string message);

// The one place an error becomes a response body.
HttpResponse error_response(int status, std::string_view message, boost::json::object extra = {});
HttpResponse error_response(const ApiError& error);

// Throws 400 unless `id` is plain ([A-Za-z0-9_.:-]{1,128}); `what` names it.
void require_plain_id(std::string_view id, std::string_view what);

}  // namespace fleet::http
