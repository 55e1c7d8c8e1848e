#pragma once

namespace fleet::backend {

class DomainMetrics;
class EventBus;

// What operators see of every operation's end: one info line (operation,
// domain, worker, status, how long it ran and lived) and the domain's
// finished counter and run-time histogram. Heard on the event bus, after the
// commit, whichever path ended it (a worker's word, a lost worker, a cancel).
class OperationTelemetry {
public:
    OperationTelemetry(EventBus& events, DomainMetrics& metrics);
};

}  // namespace fleet::backend
