#pragma once

#include <string>

namespace fleet::backend {

// What became of a start, in the dispatcher's words; backend/api alone turns
// it into an HTTP answer, and workflows and schedules read it as it is.
struct StartResult {
    enum class Kind {
        Started,          // a worker took it: worker_id
        Pending,          // the chosen worker gave no readable answer; it may run there: worker_id
        Queued,           // every fitting worker is busy (or it joined older queued work)
        NoWorkerServes,   // no registered worker serves the domain (nothing was created)
        Unmeetable,       // no registered worker of the domain could ever meet the requirements (nothing created)
        Rejected,         // the worker refused the request itself; the operation failed: its answer below
        Duplicate,        // the request's own operation_id is taken: nothing was created
    };
    Kind kind = Kind::Queued;
    std::string operation_id;  // empty for NoWorkerServes and Unmeetable
    std::string worker_id;
    // Rejected: the worker's own answer, relayed as it came.
    int worker_status = 0;
    std::string worker_body;
};

}  // namespace fleet::backend
