#include "backend/dispatch/restart_hold.hpp"

#include "backend/dispatch/dispatcher.hpp"
#include "backend/dispatch/worker_client.hpp"
#include "backend/operations/operation_book.hpp"
#include "backend/registry/registry.hpp"
#include "common/log.hpp"

#include <boost/json/parse.hpp>

#include <memory>
#include <string>

namespace fleet::backend {

RestartHold::RestartHold(Registry& registry, OperationBook& operations, WorkerClient& workers, Dispatcher& dispatcher)
    : registry_(registry), operations_(operations), workers_(workers), dispatcher_(dispatcher) {}

void RestartHold::ask(std::function<void()> released) {
    const auto workers = registry_.all();
    if (operations_.queue_depth() == 0 || workers.empty()) return released();
    dispatcher_.hold_queue();
    log::info("holding ", operations_.queue_depth(), " queued operation(s) until ", workers.size(),
              " worker(s) said which they have (the last run of the backend may have sent some)");
    auto left = std::make_shared<std::size_t>(workers.size());
    auto done = std::make_shared<std::function<void()>>(std::move(released));
    for (const auto* worker : workers) {
        workers_.newest(worker->endpoint_url, kNewest,
                        [this, left, done, worker_id = worker->worker_id](http::ClientResponse answer) {
                            if (!take(worker_id, answer))
                                log::warn("worker ", worker_id, " did not say which operations it has (",
                                          answer.ok() ? "HTTP " + std::to_string(answer.status)
                                                      : std::string(http::to_string(answer.error)),
                                          "); the queue is not held for it", log::field("worker_id", worker_id));
                            if (--*left == 0) (*done)();
                        });
    }
}

bool RestartHold::take(const std::string& worker_id, const http::ClientResponse& answer) {
    if (!answer.ok() || answer.status != 200) return false;
    boost::system::error_code ec;
    const auto body = boost::json::parse(answer.body, ec);
    const auto* data = (!ec && body.is_object()) ? body.as_object().if_contains("data") : nullptr;
    const auto* items = (data && data->is_object()) ? data->as_object().if_contains("operations") : nullptr;
    if (!items || !items->is_array()) return false;
    WorkerRecord* worker = registry_.find(worker_id);
    if (!worker) return true;  // gone meanwhile: nothing to give it
    for (const auto& item : items->as_array()) {
        const auto* view = item.if_object();
        const auto* id = view ? view->if_contains("operation_id") : nullptr;
        const auto* status = view ? view->if_contains("status") : nullptr;
        if (!id || !id->is_string() || !status || !status->is_string()) continue;
        // Cancelled there: the backend told it to stop (it was given to another worker), or a cancel
        // that was never acknowledged. Either way not run to an end there: it stays queued.
        if (status->get_string() == "cancelled") continue;
        if (OperationRecord* operation = operations_.find_active(std::string(id->get_string())))
            dispatcher_.adopt(*operation, *worker);
    }
    return true;
}

}  // namespace fleet::backend
