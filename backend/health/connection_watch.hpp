#pragma once

#include "backend/health/worker_watch.hpp"

#include <cstddef>
#include <functional>
#include <memory>
#include <string>

namespace boost::asio {
class io_context;
}

namespace fleet::backend {

// Keeps one idle TCP connection open to each watched worker, so that a worker
// whose process dies is noticed within milliseconds, whatever the health
// interval: the kernel closes a dead process's sockets at once. A close that
// is only the worker's idle timeout is told apart by reconnecting: a refused
// or failed reconnect is the definite failure, a successful one keeps watching.
class ConnectionWatch final : public WorkerWatch {
public:
    using OnLost = std::function<void(const std::string& worker_id, const std::string& detail)>;

    ConnectionWatch(boost::asio::io_context& io, OnLost on_lost);
    ~ConnectionWatch();
    ConnectionWatch(const ConnectionWatch&) = delete;
    ConnectionWatch& operator=(const ConnectionWatch&) = delete;

    // Starts (or restarts, for a new endpoint) watching. on_lost fires at most
    // once per watch(), on the io_context; the watch then ends.
    void watch(const std::string& worker_id, const std::string& endpoint_url) override;
    void unwatch(const std::string& worker_id) override;
    std::size_t size() const;

private:
    struct Impl;
    std::shared_ptr<Impl> impl_;
};

}  // namespace fleet::backend
