#pragma once

#include "backend/operations/operation_record.hpp"

#include <string>

// What OperationProxy found out, in its own words: backend/api alone turns
// these into HTTP; admin runs, workflows and schedules read them as they are.
namespace fleet::backend {

// One operation, looked up.
struct OperationLookup {
    enum class Kind {
        Found,       // operation: the backend's view (refreshed from its worker first when it was stale)
        NotFound,    // no operation has that id
        ReadFailed,  // the store could not be read (logged where it failed)
    };
    Kind kind = Kind::NotFound;
    OperationRecord operation;
};

// What a worker answered, relayed as it came.
struct WorkerAnswer {
    int status = 0;
    std::string body;
};

// An operation's metrics, asked of its worker.
struct MetricsResult {
    enum class Kind {
        NotFound,     // no operation has that id
        NoWorker,     // queued, or its worker is gone: nothing to page through
        Answered,     // worker: its worker's answer, whatever its status
        Unreachable,  // the worker gave no answer: error
    };
    Kind kind = Kind::NotFound;
    WorkerAnswer worker;
    std::string error;
};

// A cancel, and what became of it.
struct CancelResult {
    enum class Kind {
        CancelledWhileQueued,  // it never reached a worker: cancelled here
        CancelledHere,         // its worker did not know it, so nothing runs: cancelled here
        WorkerAgreed,          // the worker took the cancel (2xx): worker; the operation ends when the worker says so
        WorkerRefused,         // the worker answered otherwise: worker
        NotFound,              // no operation has that id
        AlreadyFinal,          // it had ended already: final_status
        NoWorker,              // neither queued nor held by a registered worker
        Unreachable,           // the worker gave no answer: error
    };
    Kind kind = Kind::NotFound;
    OperationStatus final_status = OperationStatus::Cancelled;
    WorkerAnswer worker;
    std::string error;
};

}  // namespace fleet::backend
