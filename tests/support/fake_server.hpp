#pragma once

#include "common/http/message.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace fleet::test {

struct RecordedRequest {
    http::Method method = http::Method::Get;
    std::string path;
    std::string query;
    std::string authorization;
    std::string body;
};

// A real HTTP server on a free loopback port, on a thread of its own, that
// answers with a lambda and records every request: the backend or worker a
// component under test talks to.
class FakeServer {
public:
    using Responder = std::function<http::HttpResponse(const http::HttpRequest&)>;

    // Default responder: 200 {"success": true}.
    explicit FakeServer(Responder responder = {});
    ~FakeServer();
    FakeServer(const FakeServer&) = delete;
    FakeServer& operator=(const FakeServer&) = delete;

    std::uint16_t port() const;
    std::string url() const;  // http://127.0.0.1:<port>

    void set_responder(Responder responder);
    std::vector<RecordedRequest> requests() const;
    // Waits until `condition(requests())` holds or `timeout` passes; returns whether it held.
    bool wait_for(const std::function<bool(const std::vector<RecordedRequest>&)>& condition,
                  std::chrono::milliseconds timeout = std::chrono::seconds(5)) const;
    // Stops listening and closes connections (a backend that went away).
    void stop();

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace fleet::test
