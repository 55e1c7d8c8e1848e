#pragma once

#include <string_view>

// The worker API's description, built into the library (worker_base/CMakeLists.txt).
namespace fleet::worker {

std::string_view openapi_yaml();  // proto_docs/openapi/worker.yaml, as it is

}  // namespace fleet::worker
