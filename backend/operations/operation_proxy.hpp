#pragma once

#include "backend/core_context.hpp"
#include "backend/storage/operation_query.hpp"
#include "common/http/router.hpp"

#include <functional>
#include <string>
#include <unordered_map>
#include <vector>

namespace fleet::backend {

class CoreTimers;
class Dispatcher;
class OperationReader;
class ReaderThread;

// Questions about operations: answered from the store while fresh (cache TTL)
// or final, else refreshed from the worker that runs it; metrics and cancel
// go to that worker. Runs on the core thread; lists and finished operations
// are read on the reader thread.
class OperationProxy {
public:
    using Done = http::Reply;

    OperationProxy(CoreContext& context, CoreTimers& timers, Dispatcher& dispatcher, ReaderThread& reader);

    void get(const std::string& operation_id, bool force_refresh, Done done);
    void list(const OperationQuery& query, Done done);
    void metrics(const std::string& operation_id, const std::string& query, Done done);
    void cancel(const std::string& operation_id, Done done);

    // Fetches the worker's view and takes it in; a worker that does not know a
    // running operation for longer than the grace loses it. `then` may be empty.
    // While a fetch of the operation is under way, a new one joins it: many
    // clients watching one operation cost its worker one call.
    void refresh(const std::string& operation_id, std::function<void()> then);

private:
    // Answers with what `answer` makes of the stored operations, read on the reader thread.
    void read(std::function<http::HttpResponse(OperationReader&)> answer, Done done);
    void take_in(const std::string& operation_id, const std::string& worker_id, const http::ClientResponse& response);
    // An answer about `operation` that could not be read: asked again a few times, then the operation fails.
    void unreadable(OperationRecord& operation, const std::string& why);

    CoreContext& context_;
    CoreTimers& timers_;
    Dispatcher& dispatcher_;
    ReaderThread& reader_;
    // Fetches under way, by operation, with whoever waits for their answer.
    std::unordered_map<std::string, std::vector<std::function<void()>>> refreshing_;
};

}  // namespace fleet::backend
