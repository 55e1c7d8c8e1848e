#include "common/http/server.hpp"

#include "common/http/error.hpp"
#include "common/log.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>

#include <algorithm>
#include <mutex>
#include <optional>
#include <tuple>
#include <unordered_map>

// Asio's coroutine frames pair a sized operator delete with their own operator
// new; GCC 12 warns falsely (GCC bug 109224); the frames are freed correctly.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

namespace fleet::http {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

namespace {

constexpr auto kUseTuple = asio::as_tuple(asio::use_awaitable);

Method from_verb(bhttp::verb verb) {
    switch (verb) {
        case bhttp::verb::get: return Method::Get;
        case bhttp::verb::head: return Method::Head;
        case bhttp::verb::post: return Method::Post;
        case bhttp::verb::put: return Method::Put;
        case bhttp::verb::patch: return Method::Patch;
        case bhttp::verb::delete_: return Method::Delete;
        case bhttp::verb::options: return Method::Options;
        default: return Method::Other;
    }
}

HttpRequest to_request(bhttp::request<bhttp::string_body>&& message) {
    HttpRequest request;
    request.method = from_verb(message.method());
    request.target = std::string(message.target());
    const auto q = request.target.find('?');
    request.path = request.target.substr(0, q);
    if (q != std::string::npos) request.query = request.target.substr(q + 1);
    request.authorization = std::string(message[bhttp::field::authorization]);
    request.body = std::move(message.body());
    return request;
}

bool safe_header(std::string_view text) { return text.find_first_of("\r\n") == std::string_view::npos; }

// The whole answer in one buffer: one write, none of the serializer's buffer
// sequences (the costliest part of a small answer).
std::string serialize(HttpResponse&& response, unsigned version, bool keep_alive) {
    const auto reason = bhttp::obsolete_reason(static_cast<bhttp::status>(response.status));
    std::string out;
    out.reserve(160 + response.body.size());
    out += version == 10 ? "HTTP/1.0 " : "HTTP/1.1 ";
    out += std::to_string(response.status);
    out += ' ';
    out.append(reason.data(), reason.size());
    out += "\r\nServer: fleet\r\nContent-Type: ";
    out += safe_header(response.content_type) ? response.content_type : "application/octet-stream";
    out += "\r\n";
    for (const auto& [name, value] : response.headers) {
        if (!safe_header(name) || !safe_header(value)) continue;
        out += name;
        out += ": ";
        out += value;
        out += "\r\n";
    }
    out += "Content-Length: ";
    out += std::to_string(response.body.size());
    out += "\r\n";
    if (!keep_alive && version != 10) out += "Connection: close\r\n";
    if (keep_alive && version == 10) out += "Connection: keep-alive\r\n";
    out += "\r\n";
    out += response.body;
    return out;
}

// The handler's reply, which may come at once (most handlers) or later from
// any thread (handlers that wait on other services).
class PendingReply {
public:
    using Completion = std::function<void(HttpResponse)>;

    // Keeps the answer if nobody waits yet; otherwise hands it to the waiter.
    void deliver(HttpResponse response) {
        Completion completion;
        {
            std::lock_guard lock(mutex_);
            if (delivered_) return;  // a reply is delivered once
            delivered_ = true;
            if (!completion_) {
                response_ = std::move(response);
                return;
            }
            completion = std::move(completion_);
        }
        completion(std::move(response));
    }

    // The answer if it has come; the session then skips suspending.
    std::optional<HttpResponse> take_ready() {
        std::lock_guard lock(mutex_);
        return std::exchange(response_, std::nullopt);
    }

    // Registers the waiter, or runs it at once if the answer came meanwhile.
    void on_delivery(Completion completion) {
        std::optional<HttpResponse> ready;
        {
            std::lock_guard lock(mutex_);
            if (!response_) {
                completion_ = std::move(completion);
                return;
            }
            ready = std::exchange(response_, std::nullopt);
        }
        completion(std::move(*ready));
    }

private:
    std::mutex mutex_;
    bool delivered_ = false;
    std::optional<HttpResponse> response_;
    Completion completion_;
};

// Suspends the session until a late reply comes, then resumes it on its strand.
template <typename Token>
auto async_wait_reply(std::shared_ptr<PendingReply> pending, Token&& token) {
    return asio::async_initiate<Token, void(HttpResponse)>(
        [](auto completion, std::shared_ptr<PendingReply> pending) {
            auto executor = asio::get_associated_executor(completion);
            auto shared = std::make_shared<decltype(completion)>(std::move(completion));
            auto work = asio::make_work_guard(executor);
            pending->on_delivery([shared, executor, work](HttpResponse response) {
                asio::post(executor, [shared, response = std::move(response)]() mutable {
                    std::move (*shared)(std::move(response));
                });
            });
        },
        token, std::move(pending));
}

}  // namespace

struct HttpServer::Impl : std::enable_shared_from_this<Impl> {
    struct Connection {
        explicit Connection(tcp::socket&& socket) : stream(std::move(socket)), read_deadline(stream.get_executor()) {}
        beast::tcp_stream stream;
        // A slow request is cut off by cancelling the read, not by closing the
        // socket as the stream's own timeout would, so it can still get a 408.
        asio::steady_timer read_deadline;
        bool read_timed_out = false;
    };

    Impl(asio::io_context& io, ServerConfig config, RequestHandler handler)
        : io(io), config(std::move(config)), handler(std::move(handler)), acceptor(session_executor()) {}

    // Sessions touch their state from one thread at a time: a strand each when
    // several threads run the io_context, the plain executor when one does.
    asio::any_io_executor session_executor() {
        if (config.io_threads > 1) return asio::make_strand(io);
        return io.get_executor();
    }

    asio::awaitable<void> accept_loop();
    asio::awaitable<void> session(std::shared_ptr<Connection> connection, std::uint64_t id);
    // `drain_up_to`: how much of what the client still sends is read away after the answer.
    asio::awaitable<void> refuse(beast::tcp_stream& stream, int status, std::string_view message,
                                 std::size_t drain_up_to = 0);

    std::size_t limit_for(beast::string_view target) const {
        if (!config.body_limit_for) return config.body_limit;
        const std::string_view path(target.data(), target.size());
        return config.body_limit_for(path.substr(0, path.find('?')));
    }

    asio::io_context& io;
    ServerConfig config;
    RequestHandler handler;
    tcp::acceptor acceptor;

    std::mutex mutex;
    std::unordered_map<std::uint64_t, std::weak_ptr<Connection>> connections;
    std::uint64_t next_id = 0;
    bool stopped = false;
};

asio::awaitable<void> HttpServer::Impl::accept_loop() {
    auto self = shared_from_this();
    for (;;) {
        auto [ec, socket] = co_await acceptor.async_accept(session_executor(), kUseTuple);
        if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
        if (ec) {
            log::warn("accept failed: ", ec.message());
            continue;
        }
        socket.set_option(tcp::no_delay(true), ec);
        auto connection = std::make_shared<Connection>(std::move(socket));
        std::uint64_t id = 0;
        {
            std::lock_guard lock(mutex);
            if (stopped) co_return;
            id = next_id++;
            connections.emplace(id, connection);
        }
        auto executor = connection->stream.get_executor();
        asio::co_spawn(executor, session(std::move(connection), id), asio::detached);
    }
}

asio::awaitable<void> HttpServer::Impl::refuse(beast::tcp_stream& stream, int status, std::string_view message,
                                               std::size_t drain_up_to) {
    const std::string out = serialize(error_response(status, message), 11, false);
    stream.expires_after(config.write_timeout);
    co_await asio::async_write(stream, asio::buffer(out), kUseTuple);
    // Shut down our side, then read what the client still sends for a moment,
    // so it sees the answer instead of a reset.
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream.expires_after(std::chrono::seconds(1));
    char sink[16 * 1024];
    std::size_t drained = 0;
    while (drained < 4 * std::max(drain_up_to, config.body_limit)) {
        auto [ec, n] = co_await stream.async_read_some(asio::buffer(sink), kUseTuple);
        if (ec) break;
        drained += n;
    }
}

asio::awaitable<void> HttpServer::Impl::session(std::shared_ptr<Connection> connection, std::uint64_t id) {
    auto self = shared_from_this();
    auto& stream = connection->stream;
    beast::flat_buffer buffer;
    for (;;) {
        if (buffer.size() == 0) {
            // An idle kept-alive connection waits longer than a request being read.
            stream.expires_after(config.idle_timeout);
            auto [ec, n] = co_await stream.async_read_some(buffer.prepare(4096), kUseTuple);
            if (ec) break;
            buffer.commit(n);
        }

        bhttp::request_parser<bhttp::string_body> parser;
        parser.header_limit(static_cast<std::uint32_t>(config.header_limit));
        // The body's limit depends on the path: set once the header is in.
        parser.body_limit(boost::none);
        stream.expires_never();
        connection->read_timed_out = false;
        connection->read_deadline.expires_after(config.read_timeout);
        connection->read_deadline.async_wait([connection](const beast::error_code& timer_ec) {
            if (timer_ec) return;
            connection->read_timed_out = true;
            beast::error_code ignored;
            connection->stream.socket().cancel(ignored);
        });
        auto [ec, bytes] = co_await bhttp::async_read_header(stream, buffer, parser, kUseTuple);
        std::size_t body_limit = config.body_limit;
        if (!ec) {
            body_limit = limit_for(parser.get().target());
            // A declared length is checked here; a chunked body as it arrives.
            if (const auto length = parser.content_length(); length && *length > body_limit) {
                ec = bhttp::error::body_limit;
            } else if (!parser.is_done()) {
                parser.body_limit(body_limit);
                std::tie(ec, bytes) = co_await bhttp::async_read(stream, buffer, parser, kUseTuple);
            }
        }
        connection->read_deadline.cancel();
        if (ec == bhttp::error::end_of_stream) break;
        if (ec == bhttp::error::body_limit) {
            co_await refuse(stream, 413, "request body exceeds " + std::to_string(body_limit) + " bytes", body_limit);
            break;
        }
        if (ec == bhttp::error::header_limit) {
            co_await refuse(stream, 431, "request headers too large");
            break;
        }
        if (ec && connection->read_timed_out) {
            co_await refuse(stream, 408, "request not received in time");
            break;
        }
        if (ec && ec.category() == bhttp::make_error_code(bhttp::error::bad_target).category() && ec != bhttp::error::partial_message) {
            co_await refuse(stream, 400, "malformed HTTP request: " + ec.message());
            break;
        }
        if (ec) break;

        auto message = parser.release();
        const bool keep_alive = message.keep_alive();
        const unsigned version = message.version();
        auto pending = std::make_shared<PendingReply>();
        handler(to_request(std::move(message)), [pending](HttpResponse r) { pending->deliver(std::move(r)); });
        // Most replies are ready at once; only a late one suspends the session.
        // (Plain statements: GCC 12 miscompiles co_await inside ?: expressions.)
        std::optional<HttpResponse> response = pending->take_ready();
        if (!response) response = co_await async_wait_reply(pending, asio::use_awaitable);
        const std::string out = serialize(std::move(*response), version, keep_alive);
        stream.expires_after(config.write_timeout);
        auto [write_ec, written] = co_await asio::async_write(stream, asio::buffer(out), kUseTuple);
        if (write_ec || !keep_alive) break;
    }
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream.close();
    std::lock_guard lock(mutex);
    connections.erase(id);
}

HttpServer::HttpServer(asio::io_context& io, ServerConfig config, RequestHandler handler)
    : impl_(std::make_shared<Impl>(io, std::move(config), std::move(handler))) {}

HttpServer::~HttpServer() { stop(); }

std::uint16_t HttpServer::listen() {
    auto& acceptor = impl_->acceptor;
    tcp::resolver resolver(impl_->io);
    const auto results = resolver.resolve(impl_->config.host, std::to_string(impl_->config.port),
                                          tcp::resolver::passive | tcp::resolver::numeric_service);
    const tcp::endpoint endpoint = *results.begin();
    acceptor.open(endpoint.protocol());
    acceptor.set_option(asio::socket_base::reuse_address(true));
    acceptor.bind(endpoint);
    acceptor.listen(asio::socket_base::max_listen_connections);
    const auto port = acceptor.local_endpoint().port();
    asio::co_spawn(acceptor.get_executor(), impl_->accept_loop(), asio::detached);
    return port;
}

void HttpServer::stop() {
    std::vector<std::shared_ptr<Impl::Connection>> open;
    {
        std::lock_guard lock(impl_->mutex);
        if (impl_->stopped) return;
        impl_->stopped = true;
        for (auto& [id, weak] : impl_->connections)
            if (auto connection = weak.lock()) open.push_back(std::move(connection));
    }
    asio::post(impl_->acceptor.get_executor(), [impl = impl_] {
        beast::error_code ignored;
        impl->acceptor.close(ignored);
    });
    for (auto& connection : open) {
        asio::post(connection->stream.get_executor(), [connection] {
            beast::error_code ignored;
            connection->stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
            connection->stream.close();
        });
    }
}

}  // namespace fleet::http
