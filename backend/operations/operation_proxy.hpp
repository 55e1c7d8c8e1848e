#pragma once

#include "backend/core_context.hpp"
#include "backend/storage/store.hpp"
#include "common/http/router.hpp"

#include <string>

namespace fleet::backend {

class Dispatcher;

// Questions about operations: answered from the store while fresh (cache TTL)
// or final, else refreshed from the worker that runs it; metrics and cancel
// go to that worker. Runs on the core thread.
class OperationProxy {
public:
    using Done = http::Reply;

    OperationProxy(CoreContext& context, Dispatcher& dispatcher);

    void get(const std::string& operation_id, bool force_refresh, Done done);
    void list(const OperationQuery& query, Done done);
    void metrics(const std::string& operation_id, const std::string& query, Done done);
    void cancel(const std::string& operation_id, Done done);

    // Fetches the worker's view and takes it in; a worker that does not know a
    // running operation for longer than the grace loses it. `then` may be empty.
    void refresh(const std::string& operation_id, std::function<void()> then);

private:
    CoreContext& context_;
    Dispatcher& dispatcher_;
};

}  // namespace fleet::backend
