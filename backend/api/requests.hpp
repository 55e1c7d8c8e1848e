#pragma once

#include "backend/registry/registry.hpp"

#include <boost/json/object.hpp>

#include <cstdint>
#include <string>

// Request bodies of the backend API, validated; every failure is ApiError 400.
namespace fleet::backend {

struct StartRequest {
    std::string domain;
    std::int64_t priority = 0;
    boost::json::object requirements;
    int max_retries = 0;
    boost::json::object parameters;  // everything else: forwarded to the worker
};

Registration parse_registration(const boost::json::object& body);
StartRequest parse_start(std::string domain, boost::json::object body);

}  // namespace fleet::backend
