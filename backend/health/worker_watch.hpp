#pragma once

#include <string>

namespace fleet::backend {

// Whom the backend keeps an eye on between health checks: a worker is
// watched from its registration until it leaves (ConnectionWatch).
class WorkerWatch {
public:
    virtual ~WorkerWatch() = default;
    virtual void watch(const std::string& worker_id, const std::string& endpoint_url) = 0;
    virtual void unwatch(const std::string& worker_id) = 0;
};

}  // namespace fleet::backend
