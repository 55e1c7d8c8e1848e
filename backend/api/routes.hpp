#pragma once

#include "common/clock.hpp"
#include "common/http/router.hpp"

#include <string>

namespace fleet::backend {

class Admission;
class BackendMetrics;
class CoreExecutor;
class Dispatcher;
class FinishedCache;
class OperationBook;
class OperationProxy;
class OperationRepository;
class RegistrationService;
class Registry;
class WorkflowEngine;
class StatusWaits;

// What the routes call: the services, and what /health and /metrics count.
struct RouteTargets {
    CoreExecutor& core;
    Admission& admission;  // new starts wait their turn here
    Dispatcher& dispatcher;
    RegistrationService& registrations;
    OperationProxy& proxy;
    Registry& registry;
    OperationBook& operations;
    OperationRepository& operation_repository;
    FinishedCache& finished;  // read on the I/O threads
    BackendMetrics& metrics;
    WorkflowEngine& workflows;
    StatusWaits& waits;  // blocking reads (?wait=)
    const Clock& clock;
    std::string token;  // every route but /health and /metrics wants it, when set
};

// The backend's one route table. Handlers parse on the I/O thread, then run
// the service on the core thread and answer from there, after the commit.
void add_routes(http::Router& router, RouteTargets& targets);

}  // namespace fleet::backend
