#pragma once

#include "backend/config.hpp"
#include "backend/core/core_executor.hpp"
#include "backend/core/core_timers.hpp"
#include "backend/core/event_bus.hpp"
#include "backend/dispatch/dispatcher.hpp"
#include "backend/health/worker_watch.hpp"
#include "backend/metrics.hpp"
#include "backend/operations/operation_book.hpp"
#include "backend/operations/operation_proxy.hpp"
#include "backend/registry/registration_service.hpp"
#include "backend/registry/registry.hpp"
#include "backend/storage/reader_thread.hpp"
#include "tests/support/manual_clock.hpp"
#include "tests/support/scripted_worker_client.hpp"
#include "tests/support/test_storage.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/json/parse.hpp>

#include <optional>
#include <string>

namespace fleet::test {

// Watches nothing: no connections in unit tests.
struct NoWatch final : backend::WorkerWatch {
    void watch(const std::string&, const std::string&) override {}
    void unwatch(const std::string&) override {}
};

// The backend's core in small, on this thread: an in-memory store (reads run
// on this thread too), a scripted worker client, a clock moved by hand.
struct BackendCore {
    BackendCore() : BackendCore(":memory:") {}
    // On a file: a second core opened on it is the backend after a restart.
    explicit BackendCore(const std::string& db_path) : store(db_path) {}

    boost::asio::io_context io;  // run only by tests that post (no group commits unless they ask)
    ManualClock clock;
    Storage store;
    backend::CoreExecutor core{io, store.database};
    backend::EventBus events{[this](std::function<void()> then) { core.post_after_next_commit(std::move(then)); }};
    backend::Registry registry{store.workers, clock, events};
    backend::OperationBook operations{store.operations, clock, events};
    backend::BackendMetrics metrics;
    ScriptedWorkerClient workers;
    NoWatch watch;
    backend::CoreTimers timers{io, clock};
    backend::Dispatcher dispatcher{registry, operations, workers, core, metrics, clock,
                                   backend::BackendConfig{}.max_worker_losses};
    backend::RegistrationService registrations{registry, operations, dispatcher, watch, clock};
    backend::ReaderThread reader{store.database, io};
    backend::OperationProxy proxy{operations, store.operations, registry, workers, dispatcher, core, timers,
                                  reader,     metrics,          clock,    {}};

    backend::Registered add_worker(const std::string& id, std::size_t max_concurrent = 1) {
        backend::Registration r;
        r.worker_id = id;
        r.worker_type = "echo";
        r.domain = "echo";
        r.endpoint_url = "http://" + id + ":5005";
        r.max_concurrent = max_concurrent;
        return *registrations.register_worker(r);
    }

    // Starts an echo operation; the result, once the dispatcher gives it.
    std::optional<backend::StartResult>& start() {
        last = std::nullopt;
        backend::StartRequest request;
        request.domain = "echo";
        dispatcher.start(std::move(request), [this](backend::StartResult result) { last = std::move(result); });
        return last;
    }

    backend::OperationRecord operation(const std::string& id) { return *operations.find(id); }
    std::size_t held_by(const std::string& worker_id) { return registry.find(worker_id)->operations.size(); }

    std::optional<backend::StartResult> last;
};

inline std::string id_of_start(const ScriptedWorkerClient::Call& call) {
    return std::string(boost::json::parse(call.body).at("task_id").as_string());
}

}  // namespace fleet::test
