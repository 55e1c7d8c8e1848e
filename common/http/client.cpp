#include "common/http/client.hpp"

#include "common/byte_size.hpp"
#include "common/http/url.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include <atomic>
#include <exception>
#include <future>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

// GCC 12 pairs Asio's coroutine-frame aligned_alloc with its sized operator
// delete and warns falsely (GCC bug 109224); the frames are freed correctly.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

namespace fleet::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using boost::system::error_code;

std::string_view to_string(ClientError error) {
    switch (error) {
        case ClientError::None: return "none";
        case ClientError::Refused: return "refused";
        case ClientError::Closed: return "closed";
        case ClientError::Timeout: return "timeout";
        case ClientError::Resolve: return "resolve";
        case ClientError::InvalidUrl: return "invalid_url";
        case ClientError::TooLarge: return "too_large";
        case ClientError::Truncated: return "truncated";
        case ClientError::Other: return "other";
    }
    return "other";
}

namespace {

constexpr std::size_t kHeaderLimit = 64 * 1024;
// Below the server's 120 s idle timeout, so we rarely write into a connection
// the peer is about to close.
constexpr std::chrono::seconds kMaxIdleAge{50};
constexpr std::string_view kUserAgent = "fleet/0.1";

using Clock = std::chrono::steady_clock;

struct Target : HttpUrl {
    std::string pool_key;  // host and port
};

std::optional<Target> parse_target(std::string_view url) {
    auto parsed = parse_http_url(url);
    if (!parsed) return std::nullopt;
    Target t{std::move(*parsed), {}};
    t.pool_key = t.host + " " + std::to_string(t.port);  // no host contains a space
    return t;
}

std::optional<bhttp::verb> to_verb(Method method) {
    switch (method) {
        case Method::Get: return bhttp::verb::get;
        case Method::Head: return bhttp::verb::head;
        case Method::Post: return bhttp::verb::post;
        case Method::Put: return bhttp::verb::put;
        case Method::Patch: return bhttp::verb::patch;
        case Method::Delete: return bhttp::verb::delete_;
        case Method::Options: return bhttp::verb::options;
        case Method::Other: return std::nullopt;
    }
    return std::nullopt;
}

// The peer went away: nothing more will come on this connection.
bool is_closed(const error_code& ec) {
    return ec == asio::error::eof || ec == asio::error::connection_reset || ec == asio::error::broken_pipe ||
           ec == asio::error::connection_aborted || ec == asio::error::not_connected ||
           ec == asio::error::shut_down || ec == bhttp::error::end_of_stream ||
           ec == bhttp::error::partial_message;
}

ClientError classify(const error_code& ec) {
    if (ec == asio::error::connection_refused) return ClientError::Refused;
    if (is_closed(ec)) return ClientError::Closed;
    if (ec == asio::error::timed_out) return ClientError::Timeout;
    return ClientError::Other;
}

ClientResponse failure(ClientError error, std::string message) {
    ClientResponse response;
    response.error = error;
    response.error_message = std::move(message);
    return response;
}

struct IdleConnection {
    tcp::socket socket;
    Clock::time_point since;
};

// A pooled connection is only worth reusing if the peer has not closed it
// while it sat idle: a non-blocking peek tells without consuming anything.
bool still_open(tcp::socket& socket) {
    error_code ec;
    socket.non_blocking(true, ec);
    if (ec) return false;
    char byte = 0;
    socket.receive(asio::buffer(&byte, 1), tcp::socket::message_peek, ec);
    return ec == asio::error::would_block;
}

// Everything one exchange shares with its deadline timer. Both run on the
// exchange's strand, so the timer may close the socket safely.
struct ExchangeState {
    explicit ExchangeState(const asio::any_io_executor& executor) : timer(executor), resolver(executor) {}

    asio::steady_timer timer;
    tcp::resolver resolver;
    tcp::socket* socket = nullptr;  // the connection in use, if any
    bool timed_out = false;
    bool finished = false;
};

}  // namespace

struct HttpClient::Impl : std::enable_shared_from_this<Impl> {
    Impl(asio::io_context& io, std::size_t max_idle) : io(io), max_idle_per_host(max_idle) {}

    asio::io_context& io;
    const std::size_t max_idle_per_host;
    // The io_context may be run by several threads; exchanges touch the pool from their own strands.
    std::mutex pool_mutex;
    std::unordered_map<std::string, std::vector<IdleConnection>> idle;

    std::optional<tcp::socket> take_idle(const std::string& key) {
        std::lock_guard lock(pool_mutex);
        auto it = idle.find(key);
        if (it == idle.end()) return std::nullopt;
        auto& stack = it->second;
        const auto now = Clock::now();
        while (!stack.empty()) {
            IdleConnection conn = std::move(stack.back());
            stack.pop_back();
            if (now - conn.since < kMaxIdleAge && still_open(conn.socket)) {
                if (stack.empty()) idle.erase(it);
                return std::move(conn.socket);
            }
            error_code ignored;
            conn.socket.close(ignored);
        }
        // Thousands of workers each get a key; drop the empty ones.
        idle.erase(it);
        return std::nullopt;
    }

    void put_idle(const std::string& key, tcp::socket socket) {
        std::lock_guard lock(pool_mutex);
        auto& stack = idle[key];
        if (stack.size() >= max_idle_per_host) {
            error_code ignored;
            socket.close(ignored);
            return;
        }
        stack.push_back(IdleConnection{std::move(socket), Clock::now()});
    }

    asio::awaitable<ClientResponse> exchange(ClientRequest request);
};

asio::awaitable<ClientResponse> HttpClient::Impl::exchange(ClientRequest request) {
    auto parsed = parse_target(request.url);
    if (!parsed) co_return failure(ClientError::InvalidUrl, "invalid http URL: " + request.url);
    const Target& target = *parsed;
    const auto verb = to_verb(request.method);
    if (!verb) co_return failure(ClientError::Other, "unsupported method");

    bhttp::request<bhttp::string_body> message{*verb, target.target, 11};
    message.set(bhttp::field::host, target.host_and_port);
    message.set(bhttp::field::user_agent, kUserAgent);
    if (!request.bearer_token.empty()) message.set(bhttp::field::authorization, "Bearer " + request.bearer_token);
    if (!request.body.empty()) message.set(bhttp::field::content_type, "application/json");
    message.body() = std::move(request.body);
    message.keep_alive(true);
    message.prepare_payload();

    const auto executor = co_await asio::this_coro::executor;
    auto state = std::make_shared<ExchangeState>(executor);
    state->timer.expires_after(request.timeout);
    state->timer.async_wait([state](const error_code& ec) {
        if (ec || state->finished) return;
        state->timed_out = true;
        state->resolver.cancel();
        error_code ignored;
        if (state->socket) state->socket->close(ignored);
    });
    struct Finish {
        ExchangeState& s;
        ~Finish() {
            s.finished = true;
            s.socket = nullptr;
            s.timer.cancel();
        }
    } finish{*state};

    const auto timeout_response = [&] {
        return failure(ClientError::Timeout, "no answer within " + std::to_string(request.timeout.count()) + " ms");
    };

    error_code ec;
    for (int attempt = 0; attempt < 2; ++attempt) {
        state->socket = nullptr;  // the previous attempt's socket is gone
        std::optional<tcp::socket> socket;
        // Only the first attempt may reuse; the retry always gets a fresh connection.
        if (attempt == 0) socket = take_idle(target.pool_key);
        const bool reused = socket.has_value();

        if (!socket) {
            std::vector<tcp::endpoint> endpoints;
            if (target.ip_literal) {
                endpoints.emplace_back(asio::ip::make_address(target.host, ec), target.port);
                if (ec) co_return failure(ClientError::InvalidUrl, "bad address: " + target.host);
            } else {
                auto results = co_await state->resolver.async_resolve(target.host, std::to_string(target.port),
                                                                      asio::redirect_error(asio::use_awaitable, ec));
                if (state->timed_out) co_return timeout_response();
                if (ec) co_return failure(ClientError::Resolve, "resolve " + target.host + ": " + ec.message());
                for (const auto& entry : results) endpoints.push_back(entry.endpoint());
                if (endpoints.empty()) co_return failure(ClientError::Resolve, "resolve " + target.host + ": no address");
            }
            socket.emplace(executor);
            state->socket = &*socket;
            co_await asio::async_connect(*socket, endpoints, asio::redirect_error(asio::use_awaitable, ec));
            if (state->timed_out) co_return timeout_response();
            if (ec) co_return failure(classify(ec), "connect " + target.host_and_port + ": " + ec.message());
            socket->set_option(tcp::no_delay(true), ec);
        }
        state->socket = &*socket;

        co_await bhttp::async_write(*socket, message, asio::redirect_error(asio::use_awaitable, ec));
        if (state->timed_out) co_return timeout_response();
        if (ec) {
            if (reused && is_closed(ec)) continue;
            co_return failure(classify(ec), "write: " + ec.message());
        }

        beast::flat_buffer buffer;
        bhttp::response_parser<bhttp::string_body> parser;
        parser.body_limit(request.body_limit);
        parser.header_limit(kHeaderLimit);
        if (*verb == bhttp::verb::head) parser.skip(true);
        co_await bhttp::async_read(*socket, buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
        if (state->timed_out) co_return timeout_response();
        if (ec) {
            // A kept-alive connection the peer closed just before our request: nothing was
            // answered, so asking again on a fresh one cannot duplicate an answer we saw.
            if (reused && is_closed(ec) && !parser.got_some() && buffer.size() == 0) continue;
            if (ec == bhttp::error::body_limit) {
                const auto length = parser.content_length();
                co_return failure(ClientError::TooLarge,
                                  length ? describe_excess("answer", *length, request.body_limit)
                                         : "answer exceeds the " + describe_bytes(request.body_limit) + " limit");
            }
            if (is_closed(ec) && parser.is_header_done())
                co_return failure(ClientError::Truncated, "answer cut off: " + ec.message());
            co_return failure(classify(ec), "read: " + ec.message());
        }

        auto answer = parser.release();
        ClientResponse response;
        response.status = static_cast<int>(answer.result_int());
        response.body = std::move(answer.body());
        state->socket = nullptr;
        if (answer.keep_alive() && buffer.size() == 0) {
            put_idle(target.pool_key, std::move(*socket));
        } else {
            socket->shutdown(tcp::socket::shutdown_both, ec);
            socket->close(ec);
        }
        co_return response;
    }
    co_return failure(ClientError::Closed, "connection closed by peer (after a retry)");
}

HttpClient::HttpClient(asio::io_context& io, std::size_t max_idle_per_host)
    : impl_(std::make_shared<Impl>(io, max_idle_per_host)) {}

// In-flight exchanges keep the Impl (and its pool) alive until they finish.
HttpClient::~HttpClient() = default;

void HttpClient::send(ClientRequest request, std::function<void(ClientResponse)> done) {
    // A strand per exchange: the deadline timer and the I/O never run at once,
    // even when several threads run the io_context. co_spawn posts, so any thread may call.
    auto strand = asio::make_strand(impl_->io);
    asio::co_spawn(strand, impl_->exchange(std::move(request)),
                   [impl = impl_, done = std::move(done)](std::exception_ptr error, ClientResponse response) {
                       if (error) {
                           try {
                               std::rethrow_exception(error);
                           } catch (const std::exception& e) {
                               response = failure(ClientError::Other, e.what());
                           } catch (...) {
                               response = failure(ClientError::Other, "unknown error");
                           }
                       }
                       done(std::move(response));
                   });
}

struct BlockingHttpClient::Impl {
    asio::io_context io;
    asio::executor_work_guard<asio::io_context::executor_type> work{io.get_executor()};
    HttpClient client{io};
    std::thread thread{[this] { io.run(); }};

    ~Impl() {
        work.reset();
        io.stop();
        thread.join();
    }
};

BlockingHttpClient::BlockingHttpClient() : impl_(std::make_unique<Impl>()) {}

BlockingHttpClient::~BlockingHttpClient() = default;

ClientResponse BlockingHttpClient::send(ClientRequest request) {
    std::promise<ClientResponse> promise;
    auto future = promise.get_future();
    impl_->client.send(std::move(request), [&promise](ClientResponse response) { promise.set_value(std::move(response)); });
    return future.get();
}

ClientResponse BlockingHttpClient::get(std::string url, std::string token) {
    return send(ClientRequest{Method::Get, std::move(url), {}, std::move(token)});
}

ClientResponse BlockingHttpClient::post(std::string url, std::string body, std::string token) {
    return send(ClientRequest{Method::Post, std::move(url), std::move(body), std::move(token)});
}

ClientResponse BlockingHttpClient::del(std::string url, std::string token) {
    return send(ClientRequest{Method::Delete, std::move(url), {}, std::move(token)});
}

}  // namespace fleet::http
