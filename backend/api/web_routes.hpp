#pragma once

#include "common/http/router.hpp"

namespace fleet::backend {

// The dashboard's files at `/ui/` (`/ui` redirects there, `/ui/` is index.html):
// served from the binary with their Content-Type and an ETag, 304 to a
// matching If-None-Match. They carry no data, so bearer_guard lets them by.
void add_web_routes(http::Router& router);

}  // namespace fleet::backend
