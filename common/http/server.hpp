#pragma once

#include "common/http/router.hpp"
#include "common/http/tls_context.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace boost::asio {
class io_context;
}

namespace fleet::http {

struct ServerConfig {
    std::string host = "0.0.0.0";
    std::uint16_t port = 0;                      // 0: any free port; listen() says which
    std::size_t body_limit = 1024 * 1024;        // 413 past this
    // A request path's own limit, where it is not body_limit (e.g. a route
    // that carries a worker's result); unset: body_limit for every path.
    std::function<std::size_t(std::string_view path)> body_limit_for;
    std::size_t header_limit = 16 * 1024;        // 431 past this
    std::chrono::milliseconds read_timeout{10'000};   // from a request's first byte to its last
    std::chrono::milliseconds idle_timeout{120'000};  // a kept-alive connection with no request
    std::chrono::milliseconds write_timeout{10'000};
    // Open connections at most (lowered to what the open file limit allows);
    // past it a new connection is answered 503 with Retry-After and closed.
    std::size_t max_connections = 10'000;
    // Threads running the io_context. With one, sessions skip strands.
    std::size_t io_threads = 1;
    // Set: HTTPS only, each new connection with the context's current
    // certificate (a reload reaches new connections; open ones keep theirs).
    std::shared_ptr<TlsContext> tls;
};

// HTTP/1.1 on Beast: one coroutine session per connection, keep-alive, a
// deadline before every read and write; over TLS when the config has a
// context. Runs on the io_context it is given.
class HttpServer {
public:
    HttpServer(boost::asio::io_context& io, ServerConfig config, RequestHandler handler);
    ~HttpServer();
    HttpServer(const HttpServer&) = delete;
    HttpServer& operator=(const HttpServer&) = delete;

    // Binds and starts accepting (raising the open file limit to its hard limit
    // first); returns the bound port. Throws std::runtime_error
    // "cannot listen on <host>:<port>: <reason>" (e.g. the port is in use).
    std::uint16_t listen();
    // Stops accepting and closes open connections; safe from any thread.
    void stop();

private:
    struct Impl;
    std::shared_ptr<Impl> impl_;
};

}  // namespace fleet::http
