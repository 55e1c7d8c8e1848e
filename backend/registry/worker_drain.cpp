#include "backend/registry/worker_drain.hpp"

#include "backend/dispatch/worker_client.hpp"
#include "backend/registry/registry.hpp"
#include "backend/registry/worker_lifecycle.hpp"
#include "common/log.hpp"

namespace fleet::backend {
namespace {

std::string failure_of(const http::ClientResponse& response) {
    if (!response.ok()) return std::string(http::to_string(response.error)) + ": " + response.error_message;
    return "it answered HTTP " + std::to_string(response.status) + ": " + response.body.substr(0, 200);
}

}  // namespace

WorkerDrain::WorkerDrain(Registry& registry, WorkerClient& workers) : registry_(registry), workers_(workers) {}

void WorkerDrain::drain(const std::string& worker_id, std::function<void(DrainResult)> done) {
    const WorkerRecord* worker = registry_.find(worker_id);
    if (!worker) return done({DrainResult::Kind::NotFound});
    if (worker->status == WorkerStatus::Draining || worker->status == WorkerStatus::TemporarilyUnavailable)
        return done({DrainResult::Kind::NotDrainable, *worker});
    // Kept for the answer: a worker with nothing to finish says goodbye at once,
    // and its goodbye can overtake the answer to this request.
    WorkerRecord asked = *worker;
    workers_.drain(worker->endpoint_url, [this, asked = std::move(asked),
                                          done = std::move(done)](http::ClientResponse response) mutable {
        if (!response.ok() || response.status != 202) {
            const auto kind = !response.ok() && response.error == http::ClientError::Timeout
                                  ? DrainResult::Kind::TimedOut
                                  : DrainResult::Kind::Unreachable;
            const std::string why = failure_of(response);
            log::warn("worker ", asked.worker_id, " was asked to drain and did not agree (", why, ")",
                      log::field("worker_id", asked.worker_id));
            const WorkerRecord* now = registry_.find(asked.worker_id);
            return done({kind, now ? *now : asked, why});
        }
        log::info("worker ", asked.worker_id, " is draining (asked by the backend)", log::field("worker_id", asked.worker_id));
        WorkerRecord* now = registry_.find(asked.worker_id);
        if (!now || now->instance_id != asked.instance_id) {
            // Gone already (it had nothing to finish) or registered again since: it drained.
            asked.drain_requested = true;
            asked.status = WorkerStatus::Draining;
            return done({DrainResult::Kind::Draining, std::move(asked)});
        }
        if (worker_lifecycle::drain_accepted(*now)) {
            registry_.save(*now);
            registry_.announce(*now);
        }
        done({DrainResult::Kind::Draining, *now});
    });
}

}  // namespace fleet::backend
