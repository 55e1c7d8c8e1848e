#pragma once

#include "common/http/client.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace boost::asio {
class io_context;
}

namespace fleet::worker {

struct RegistrarConfig {
    std::string backend_url;  // e.g. http://backend:8000; empty: run standalone, call nothing
    std::string token;        // bearer token for the backend, if any
    std::string worker_id;
    std::chrono::milliseconds health_interval{10'000};  // the backend's; 3 of them silent -> register again
    std::chrono::milliseconds initial_backoff{1'000};
    std::chrono::milliseconds max_backoff{30'000};
    std::chrono::milliseconds request_timeout{5'000};
};

// Everything the worker says to the backend: registration (retried with
// backoff until it succeeds, and again when health checks stop coming), the
// notice that an operation ended, and the goodbye when it drains. All calls
// are best effort and never block; they run on the io_context.
class Registrar {
public:
    // Builds the registration body (worker_id, worker_type, domain,
    // endpoint_url, capabilities, max_concurrent, version, current_operation_id);
    // the registrar adds `completed_operations`: what ended and the backend
    // missed, each without its result (that follows by its own notice).
    using BodyProvider = std::function<boost::json::object()>;
    // Ids the backend listed in `stop_operations`: the worker cancels them.
    using StopOperations = std::function<void(const std::vector<std::string>&)>;

    Registrar(boost::asio::io_context& io, http::HttpClient& client, RegistrarConfig config, BodyProvider body,
              StopOperations on_stop);
    ~Registrar();
    Registrar(const Registrar&) = delete;
    Registrar& operator=(const Registrar&) = delete;

    // Starts registering and the watchdog for missing health checks.
    void start();
    // Stops timers; pending calls finish or time out on their own.
    void stop();

    // A health check reached the worker (any thread).
    void note_health_check();
    // `operation` is the final state: {"operation_id", "status", "result"?, "error_message"?, "completed_at"}.
    // POSTs it to /api/v1/operations/{id}/events; if that fails it rides along with the next registration
    // (as a summary) and is posted again after it. A result the backend refuses as too large (413)
    // is replaced by a notice that the operation failed, saying why.
    void notify_completion(boost::json::object operation);
    // `operations` as they run ([{"operation_id", "status": "running", "progress", ...}]): POSTed
    // together to /api/v1/operations/events once, best effort, so the backend's event stream
    // shows live progress (to /api/v1/operations/{id}/events one by one, for 5 minutes or until the
    // next registration, if the backend answered 404 or 405: older than the worker).
    void notify_progress(boost::json::array operations);
    // Posts what is still undelivered once more, then DELETE /api/v1/workers/{id} with
    // {"completed_operations": [summaries]} of what still failed; `done` runs once it
    // answered or failed (any thread may call).
    void deregister(std::function<void()> done);

    bool registered() const;

private:
    struct Impl;
    std::shared_ptr<Impl> impl_;
};

}  // namespace fleet::worker
