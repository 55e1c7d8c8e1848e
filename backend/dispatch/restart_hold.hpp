#pragma once

#include <cstddef>
#include <functional>
#include <string>

namespace fleet::http {
struct ClientResponse;
}

namespace fleet::backend {

class Dispatcher;
class OperationBook;
class Registry;
class WorkerClient;

// After a restart, the queue waits for the workers' word. A start taken from the queue by an idle
// worker leaves before its claim is committed (Dispatcher::dispatch), so a backend killed in between
// comes back with the operation queued while a worker runs it, or ran it. Before the queue moves
// again, every registered worker is asked for its newest operations; a queued one a worker has
// (pending, running or ended; cancelled only when no worker has it otherwise) is claimed to that
// worker again and its start sent again (Dispatcher::adopt: the worker answers with what it has, and
// runs nothing twice). A worker that does not answer within the client's deadline is not waited
// for: what it holds is settled as any unreachable worker's is. Runs on the core thread.
class RestartHold {
public:
    // How many of a worker's newest operations are asked for: far more than one worker can take in
    // the last commit's interval before a kill.
    static constexpr std::size_t kNewest = 100;

    RestartHold(Registry& registry, OperationBook& operations, WorkerClient& workers, Dispatcher& dispatcher);

    // Holds the queue, asks every registered worker, and once each has answered or failed to, adopts
    // what they have and calls `released` (the caller lets the queue move: Dispatcher::release_queue).
    // With nothing queued, or no worker, nothing is asked and `released` runs at once.
    void ask(std::function<void()> released);

private:
    struct Asked;
    // Notes the queued operations the worker's answer names; false when it could not be read.
    bool take(const std::string& worker_id, const http::ClientResponse& answer, Asked& asked);
    void adopt_found(Asked& asked);

    Registry& registry_;
    OperationBook& operations_;
    WorkerClient& workers_;
    Dispatcher& dispatcher_;
};

}  // namespace fleet::backend
