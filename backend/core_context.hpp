#pragma once

#include "backend/config.hpp"
#include "backend/metrics.hpp"
#include "backend/operations/finished_cache.hpp"
#include "backend/operations/operation_book.hpp"
#include "backend/registry/registry.hpp"
#include "backend/storage/store.hpp"
#include "common/clock.hpp"
#include "common/http/client.hpp"

#include <functional>
#include <string>

namespace boost::asio {
class io_context;
}

namespace fleet::backend {

// What the backend's services share. All state here belongs to the core
// thread (the `core` io_context, never an I/O thread); HTTP calls go out on
// the I/O threads and their answers come back through `call_worker`.
struct CoreContext {
    boost::asio::io_context& core;
    http::HttpClient& client;
    Store& store;
    Registry& registry;
    OperationBook& operations;
    BackendMetrics& metrics;
    FinishedCache& finished;  // read by the I/O threads
    const Clock& clock;
    const BackendConfig& config;
    std::function<void(const std::string& worker_id, const std::string& endpoint_url)> watch;
    std::function<void(const std::string& worker_id)> unwatch;

    // Sends a request to a worker (with the token) and runs `then` on the core thread.
    void call_worker(http::Method method, std::string url, std::string body,
                     std::function<void(http::ClientResponse)> then,
                     std::chrono::milliseconds timeout = std::chrono::seconds(5)) const;
};

}  // namespace fleet::backend
