#pragma once

#include "worker_base/operations_service.hpp"

#include <boost/json/object.hpp>

#include <string_view>
#include <vector>

// The JSON edge of the worker: the only place operation fields and status
// words are written.
namespace fleet::worker {

// `storage`: where the object and everything in it are allocated (an answer
// built whole in a monotonic_resource frees it all at once).
boost::json::object to_json(const ProgressSnapshot& progress, boost::json::storage_ptr storage = {});
// Also the completion notice the backend gets when an operation ends.
boost::json::object to_json(const OperationView& operation, boost::json::storage_ptr storage = {});
// The keys the object above has, in its order: what a list's `fields` may name.
const std::vector<std::string_view>& operation_fields();
boost::json::object to_json(const std::string& operation_id, const MetricsPage& page);

}  // namespace fleet::worker
