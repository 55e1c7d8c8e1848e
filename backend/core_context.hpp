#pragma once

#include "backend/config.hpp"
#include "backend/dispatch/worker_client.hpp"
#include "backend/metrics.hpp"
#include "backend/operations/finished_cache.hpp"
#include "backend/operations/operation_book.hpp"
#include "backend/registry/registry.hpp"
#include "backend/storage/database.hpp"
#include "backend/storage/operation_repository.hpp"
#include "common/clock.hpp"

#include <functional>
#include <string>

namespace boost::asio {
class io_context;
}

namespace fleet::backend {

// What the backend's services share. All state here belongs to the core
// thread (the `core` io_context, never an I/O thread); calls to workers go
// out through `workers` and their answers come back on the core thread.
struct CoreContext {
    boost::asio::io_context& core;
    WorkerClient& workers;
    Database& database;
    OperationRepository& operation_repository;
    Registry& registry;
    OperationBook& operations;
    BackendMetrics& metrics;
    FinishedCache& finished;  // read by the I/O threads
    const Clock& clock;
    const BackendConfig& config;
    std::function<void(const std::string& worker_id, const std::string& endpoint_url)> watch;
    std::function<void(const std::string& worker_id)> unwatch;
};

}  // namespace fleet::backend
