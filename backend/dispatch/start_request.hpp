#pragma once

#include "backend/operations/operation_record.hpp"

#include <boost/json/object.hpp>

#include <cstdint>
#include <functional>
#include <string>

namespace fleet::backend {

// What starting an operation takes, from whoever starts it: a client's
// POST /api/v1/<domain>/start (backend/api parses it), an admin run, and
// later workflows and schedules.
struct StartRequest {
    // Empty: the dispatcher draws a new id. Else the operation's id, chosen by
    // the caller (a workflow step's attempt); an id already used is refused.
    std::string operation_id;
    std::string domain;
    std::int64_t priority = 0;
    boost::json::object requirements;
    int max_retries = 0;
    boost::json::object parameters;  // everything else: forwarded to the worker
    // Called once the operation exists, before it is dispatched, so that what a
    // caller stores beside it (an admin run) is committed with it.
    std::function<void(const OperationRecord&)> on_created;
};

}  // namespace fleet::backend
