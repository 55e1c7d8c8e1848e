#pragma once

#include <string_view>

// The backend API's description, built into the binary (backend/CMakeLists.txt).
namespace fleet::backend {

std::string_view openapi_yaml();  // proto_docs/openapi/backend.yaml, as it is
std::string_view docs_html();     // the same, rendered as one HTML page by tools/openapi_docs

}  // namespace fleet::backend
