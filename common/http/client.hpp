#pragma once

#include "common/http/message.hpp"
#include "common/http/tls_context.hpp"

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace boost::asio {
class io_context;
}

namespace fleet::http {

// Why an exchange failed. `Refused` and `Closed` are definite (nobody is
// listening / the peer went away); `Timeout` is ambiguous. `TooLarge` (the
// answer's body is past the request's limit) and `Truncated` (the connection
// closed in the middle of the answer) mean the peer did answer, unreadably.
enum class ClientError { None, Refused, Closed, Timeout, Resolve, InvalidUrl, TooLarge, Truncated, Other };

std::string_view to_string(ClientError error);

inline constexpr std::size_t kDefaultClientBodyLimit = 8 * 1024 * 1024;

struct ClientRequest {
    Method method = Method::Get;
    std::string url;           // http://host:port/path?query, or https://
    std::string body;          // sent as application/json when not empty
    std::string bearer_token;  // sent as `Authorization: Bearer ...` when not empty
    std::chrono::milliseconds timeout{5000};  // the whole exchange: connect, write, read
    std::size_t body_limit = kDefaultClientBodyLimit;  // a longer answer is TooLarge
    Fields headers;  // any others, sent as they are (last, so positional initializers keep working)
};

struct ClientResponse {
    ClientError error = ClientError::None;
    std::string error_message;
    int status = 0;
    std::string body;

    bool ok() const noexcept { return error == ClientError::None; }
};

// Takes a streamed answer's body piece by piece as it arrives; returning
// false ends the exchange (not an error).
using ChunkHandler = std::function<bool(std::string_view chunk)>;

// Asynchronous HTTP/1.1 client with a deadline on every exchange and a pool
// of kept-alive connections per host:port. https:// URLs verify the server
// against `tls`'s CA (the system store without one) and its name or IP, and
// present `tls`'s certificate if it has one. `done` runs on the io_context.
// Each connection keeps one deadline timer for its life; after the last
// exchange it may stay armed until that exchange's timeout would have passed,
// so an io_context left to run out of work returns up to that much later.
class HttpClient {
public:
    explicit HttpClient(boost::asio::io_context& io, std::size_t max_idle_per_host = 8,
                        std::shared_ptr<TlsContext> tls = nullptr);
    ~HttpClient();
    HttpClient(const HttpClient&) = delete;
    HttpClient& operator=(const HttpClient&) = delete;

    void send(ClientRequest request, std::function<void(ClientResponse)> done);

    // A long answer read as it comes (Server-Sent Events, a log): a 2xx body
    // goes to `on_chunk` piece by piece, on the io_context, and never into
    // `ClientResponse::body`; any other status's body is collected as send()
    // does. `request.timeout` bounds connecting and the answer's head, then
    // each silence between two pieces; there is no body limit. The connection
    // is never pooled. `done` gets the status, and `None` when the answer ended
    // or `on_chunk` stopped it.
    void stream(ClientRequest request, ChunkHandler on_chunk, std::function<void(ClientResponse)> done);

private:
    struct Impl;
    std::shared_ptr<Impl> impl_;
};

// For tests, command-line tools and scripts: an HttpClient on a thread of its own.
class BlockingHttpClient {
public:
    explicit BlockingHttpClient(std::shared_ptr<TlsContext> tls = nullptr);
    ~BlockingHttpClient();
    BlockingHttpClient(const BlockingHttpClient&) = delete;
    BlockingHttpClient& operator=(const BlockingHttpClient&) = delete;

    ClientResponse send(ClientRequest request);
    ClientResponse get(std::string url, std::string token = {});
    ClientResponse post(std::string url, std::string body, std::string token = {});
    ClientResponse del(std::string url, std::string token = {});
    // HttpClient::stream, waited for; `on_chunk` runs on the client's thread.
    ClientResponse stream(ClientRequest request, ChunkHandler on_chunk);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace fleet::http
