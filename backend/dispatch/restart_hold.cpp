#include "backend/dispatch/restart_hold.hpp"

#include "backend/dispatch/dispatcher.hpp"
#include "backend/dispatch/worker_client.hpp"
#include "backend/operations/operation_book.hpp"
#include "backend/registry/registry.hpp"
#include "common/log.hpp"

#include <map>
#include <memory>
#include <string>

namespace fleet::backend {

RestartHold::RestartHold(Registry& registry, OperationBook& operations, WorkerClient& workers, Dispatcher& dispatcher)
    : registry_(registry), operations_(operations), workers_(workers), dispatcher_(dispatcher) {}

// What the workers said so far: for each queued operation one of them has, which one. A worker
// that has it running or ended wins over one that has it cancelled.
struct RestartHold::Asked {
    struct Holder {
        std::string worker_id;
        bool cancelled = false;
    };
    std::size_t asked = 0;
    std::size_t left = 0;
    std::size_t answered = 0;
    std::function<void()> released;
    std::map<std::string, Holder> found;
};

void RestartHold::ask(std::function<void()> released) {
    const auto workers = registry_.all();
    if (operations_.queue_depth() == 0 || workers.empty()) return released();
    dispatcher_.hold_queue();
    log::info("holding ", operations_.queue_depth(), " queued operation(s) until ", workers.size(),
              " worker(s) said which they have (the last run of the backend may have sent some)");
    auto asked = std::make_shared<Asked>();
    asked->asked = asked->left = workers.size();
    asked->released = std::move(released);
    for (const auto* worker : workers) {
        workers_.newest(worker->endpoint_url, kNewest,
                        [this, asked, worker_id = worker->worker_id](http::ClientResponse answer) {
                            if (take(worker_id, answer, *asked)) {
                                ++asked->answered;
                            } else {
                                log::warn("worker ", worker_id, " did not say which operations it has (",
                                          answer.ok() ? "HTTP " + std::to_string(answer.status)
                                                      : std::string(http::to_string(answer.error)),
                                          "); the queue is not held for it", log::field("worker_id", worker_id));
                            }
                            if (--asked->left == 0) adopt_found(*asked);
                        });
    }
}

bool RestartHold::take(const std::string& worker_id, const http::ClientResponse& answer, Asked& asked) {
    if (!answer.ok() || answer.status != 200) return false;
    boost::system::error_code ec;
    const auto data = answer_data(answer.body, ec);
    const auto* items = data ? data->if_contains("operations") : nullptr;
    if (!items || !items->is_array()) return false;
    for (const auto& item : items->as_array()) {
        const auto* view = item.if_object();
        const auto* id = view ? view->if_contains("operation_id") : nullptr;
        const auto* status = view ? view->if_contains("status") : nullptr;
        if (!id || !id->is_string() || !status || !status->is_string()) continue;
        const std::string operation_id(id->get_string());
        const OperationRecord* operation = operations_.find_active(operation_id);
        if (!operation || operation->status != OperationStatus::Queued) continue;
        // Cancelled there: a cancel that reached it and was never acknowledged, or a stop the backend
        // sent when it gave the operation to another worker. Taken only when no worker has it otherwise.
        const bool cancelled = status->get_string() == "cancelled";
        const auto [it, first] = asked.found.try_emplace(operation_id, Asked::Holder{worker_id, cancelled});
        if (!first && it->second.cancelled && !cancelled) it->second = {worker_id, false};
    }
    return true;
}

void RestartHold::adopt_found(Asked& asked) {
    for (const auto& [operation_id, holder] : asked.found) {
        OperationRecord* operation = operations_.find_active(operation_id);
        WorkerRecord* worker = registry_.find(holder.worker_id);
        if (operation && worker) dispatcher_.adopt(*operation, *worker);
    }
    log::info("queue released: ", asked.answered, " of ", asked.asked,
              " worker(s) said which operations they have, ", asked.found.size(), " queued one(s) found on them");
    asked.released();
}

}  // namespace fleet::backend
