#pragma once

#include "common/http/client.hpp"

#include <boost/json/object.hpp>
#include <boost/system/error_code.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace boost::asio {
class io_context;
}

namespace fleet::backend {

// Every call the backend makes to a worker about operations (and the one
// about the worker itself: drain). Answers come
// back on the core thread. Tests script it (tests/support/scripted_worker_client)
// to deliver answers in any order, so races that real processes show now and
// then are deterministic unit tests of the dispatcher.
// The `data` object of a worker's `{"success": true, "data": {...}}` answer, read exactly (a result's
// numbers go on as they came); none when the body is not JSON (`ec` then says why) or holds no object
// under `data`.
std::optional<boost::json::object> answer_data(std::string_view body, boost::system::error_code& ec);

class WorkerClient {
public:
    using Answer = std::function<void(http::ClientResponse)>;
    virtual ~WorkerClient() = default;

    // POST <endpoint>/<domain>/start with `body` (the parameters and task_id).
    virtual void start(const std::string& endpoint_url, const std::string& domain, std::string body, Answer then) = 0;
    // GET <endpoint>/api/v1/operations/<id>
    virtual void get(const std::string& endpoint_url, const std::string& operation_id, Answer then) = 0;
    // GET <endpoint>/api/v1/operations/<id>/metrics?<query>
    virtual void metrics(const std::string& endpoint_url, const std::string& operation_id, const std::string& query,
                         Answer then) = 0;
    // DELETE <endpoint>/api/v1/operations/<id>/cancel
    virtual void cancel(const std::string& endpoint_url, const std::string& operation_id, Answer then) = 0;
    // POST <endpoint>/api/v1/drain: the worker starts its graceful drain (as on SIGTERM).
    virtual void drain(const std::string& endpoint_url, Answer then) = 0;
    // GET <endpoint>/api/v1/operations?limit=<limit>&fields=operation_id,status: the worker's newest
    // operations first, each its id and status only (whole ones, results and all, could outgrow the
    // answer's limit). A worker from before `fields` answers whole operations.
    virtual void newest(const std::string& endpoint_url, std::size_t limit, Answer then) = 0;
};

// The real one: HTTP with the backend's token, a 5 s deadline and the body
// limit of a worker's message; answers posted to the core thread.
class HttpWorkerClient final : public WorkerClient {
public:
    HttpWorkerClient(boost::asio::io_context& core, http::HttpClient& client, std::string token,
                     std::size_t body_limit);

    void start(const std::string& endpoint_url, const std::string& domain, std::string body, Answer then) override;
    void get(const std::string& endpoint_url, const std::string& operation_id, Answer then) override;
    void metrics(const std::string& endpoint_url, const std::string& operation_id, const std::string& query,
                 Answer then) override;
    void cancel(const std::string& endpoint_url, const std::string& operation_id, Answer then) override;
    void drain(const std::string& endpoint_url, Answer then) override;
    void newest(const std::string& endpoint_url, std::size_t limit, Answer then) override;

private:
    void call(http::Method method, std::string url, std::string body, Answer then);

    boost::asio::io_context& core_;
    http::HttpClient& client_;
    const std::string token_;
    const std::size_t body_limit_;
};

}  // namespace fleet::backend
