#pragma once

#include "common/http/router.hpp"

namespace fleet::backend {

class Admission;
struct CoreContext;
class Dispatcher;
class OperationProxy;
class RegistrationService;

// The backend's one route table. Handlers parse on the I/O thread, then run
// the service on the core thread and answer from there. Starts wait their
// turn in `admission`.
void add_routes(http::Router& router, CoreContext& context, Admission& admission, Dispatcher& dispatcher,
                RegistrationService& registrations, OperationProxy& proxy);

}  // namespace fleet::backend
