#include "common/http/client.hpp"

#include "common/byte_size.hpp"
#include "common/http/lean_parser.hpp"
#include "common/http/url.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>

#include <openssl/ssl.h>
#include <sys/socket.h>

#include <array>
#include <atomic>
#include <cerrno>
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
using TlsStream = asio::ssl::stream<tcp::socket>;
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
// A connection's read buffer grows to hold its last answer in one read: the body, this much
// for the header, up to kMaxReadAhead (a bigger answer takes a few reads; every pooled connection keeps its buffer).
constexpr std::size_t kHeaderRoom = 512;
constexpr std::size_t kMaxReadAhead = 16 * 1024;
// Below the server's 120 s idle timeout, so we rarely write into a connection
// the peer is about to close.
constexpr std::chrono::seconds kMaxIdleAge{50};
// Back in the pool for less than this, a connection is taken without asking the kernel whether the
// peer closed it (a system call a request under load): no idle timeout closes one that soon, and a
// peer that went away meanwhile is met by the retry on a fresh connection, as after any peek.
constexpr std::chrono::seconds kFreshIdle{1};
constexpr std::string_view kUserAgent = "fleet/0.1";

using Clock = std::chrono::steady_clock;
using Strand = asio::strand<asio::io_context::executor_type>;
using ResponseParser = LeanParser<false>;

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

bool has_line_break(std::string_view text) { return text.find_first_of("\r\n") != std::string_view::npos; }

// The request's head, written with its body in one gather write (the body is
// not copied). Content-Length as Beast's prepare_payload sets it: for a body,
// and for an empty POST, PUT or OPTIONS.
std::string request_head(const ClientRequest& request, const Target& target) {
    std::string out;
    out.reserve(160 + target.target.size() + request.bearer_token.size());
    out += to_string(request.method);
    out += ' ';
    out += target.target;
    out += " HTTP/1.1\r\nHost: ";
    out += target.host_and_port;
    out += "\r\nUser-Agent: ";
    out += kUserAgent;
    out += "\r\n";
    if (!request.bearer_token.empty()) {
        out += "Authorization: Bearer ";
        out += request.bearer_token;
        out += "\r\n";
    }
    for (const auto& [name, value] : request.headers) {
        out += name;
        out += ": ";
        out += value;
        out += "\r\n";
    }
    if (!request.body.empty()) out += "Content-Type: application/json\r\n";
    if (!request.body.empty() || request.method == Method::Post || request.method == Method::Put ||
        request.method == Method::Options) {
        out += "Content-Length: ";
        out += std::to_string(request.body.size());
        out += "\r\n";
    }
    out += "\r\n";
    return out;
}

// The peer went away: nothing more will come on this connection.
bool is_closed(const error_code& ec) {
    return ec == asio::error::eof || ec == asio::error::connection_reset || ec == asio::error::broken_pipe ||
           ec == asio::error::connection_aborted || ec == asio::error::not_connected ||
           ec == asio::error::shut_down || ec == bhttp::error::end_of_stream ||
           ec == bhttp::error::partial_message || ec == asio::ssl::error::stream_truncated;
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

ClientResponse timeout_failure(std::chrono::milliseconds timeout) {
    return failure(ClientError::Timeout, "no answer within " + std::to_string(timeout.count()) + " ms");
}

// A request that cannot be written safely: a line break would forge a header.
std::optional<ClientResponse> refuse_header_injection(const ClientRequest& request) {
    if (has_line_break(request.bearer_token)) return failure(ClientError::Other, "bearer token has a line break");
    for (const auto& [name, value] : request.headers)
        if (has_line_break(name) || has_line_break(value))
            return failure(ClientError::Other, "header '" + name + "' has a line break");
    return std::nullopt;
}

// One connection and what its exchanges reuse: the strand its I/O and its
// deadline run on, the read buffer, and one timer for its whole life. An
// exchange moves `deadline`; the timer checks it when it fires and is re-armed
// only when a deadline comes before its expiry, so a reused connection costs
// no timer operations.
// `Stream` is tcp::socket or TlsStream: one exchange code for both, so plain
// HTTP pays nothing for TLS.
template <typename Stream>
struct Connection : std::enable_shared_from_this<Connection<Stream>> {
    Connection(const Strand& strand, std::shared_ptr<asio::ssl::context> tls)
        : strand(strand), tls(std::move(tls)), stream(open(strand, this->tls.get())), timer(strand) {}

    static Stream open(const Strand& strand, [[maybe_unused]] asio::ssl::context* tls) {
        if constexpr (std::is_same_v<Stream, TlsStream>) return Stream(strand, *tls);
        else return Stream(strand);
    }

    auto& socket() { return stream.lowest_layer(); }

    // Runs on the strand.
    void expect_by(Clock::time_point until) {
        deadline = until;
        timed_out = false;
        if (timer_armed && timer.expiry() <= until) return;
        timer_armed = true;
        timer.expires_at(until);
        timer.async_wait([weak = this->weak_from_this()](const error_code& ec) {
            if (ec) return;  // re-armed or gone
            if (auto self = weak.lock()) self->check_deadline();
        });
    }

    void expect_nothing() { deadline = Clock::time_point::max(); }

    void check_deadline() {
        timer_armed = false;
        if (deadline == Clock::time_point::max()) return;  // idle: nothing to cut off
        if (Clock::now() < deadline) {
            expect_by(deadline);
            return;
        }
        timed_out = true;
        if (resolver) resolver->cancel();
        error_code ignored;
        socket().close(ignored);
    }

    // A pooled connection is only worth reusing if the peer has not closed it
    // while it sat idle: a non-blocking peek tells without consuming anything.
    bool still_open() {
        char byte = 0;
        const auto n = ::recv(socket().native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
        return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
    }

    Strand strand;
    std::shared_ptr<asio::ssl::context> tls;  // kept for the connection's life (a reload may replace it)
    Stream stream;
    asio::steady_timer timer;
    std::optional<tcp::resolver> resolver;  // for a host name, while connecting
    beast::flat_buffer buffer;
    Clock::time_point deadline = Clock::time_point::max();  // of the exchange under way
    Clock::time_point idle_since;
    bool timer_armed = false;
    bool timed_out = false;
};

template <typename Stream>
using Pool = std::unordered_map<std::string, std::vector<std::shared_ptr<Connection<Stream>>>>;

}  // namespace

struct HttpClient::Impl : std::enable_shared_from_this<Impl> {
    Impl(asio::io_context& io, std::size_t max_idle, std::shared_ptr<TlsContext> tls)
        : io(io), max_idle_per_host(max_idle), tls(std::move(tls)) {}

    asio::io_context& io;
    const std::size_t max_idle_per_host;
    std::shared_ptr<TlsContext> tls;  // made on the first https:// URL when not given
    // The io_context may be run by several threads; send() takes from the pool on any of them.
    std::mutex pool_mutex;
    Pool<tcp::socket> idle_plain;
    Pool<TlsStream> idle_tls;

    template <typename Stream>
    Pool<Stream>& pool() {
        if constexpr (std::is_same_v<Stream, TlsStream>) return idle_tls;
        else return idle_plain;
    }

    // A fresh connection: a TLS one with the context's current certificate and CA.
    template <typename Stream>
    std::shared_ptr<Connection<Stream>> fresh(const Strand& strand) {
        if constexpr (std::is_same_v<Stream, TlsStream>) return std::make_shared<Connection<Stream>>(strand, tls_context());
        else return std::make_shared<Connection<Stream>>(strand, nullptr);
    }

    std::shared_ptr<asio::ssl::context> tls_context() {
        std::lock_guard lock(pool_mutex);
        if (!tls) tls = std::make_shared<TlsContext>(TlsRole::Client, TlsFiles{});
        return tls->current();
    }

    template <typename Stream>
    std::shared_ptr<Connection<Stream>> take_idle(const std::string& key) {
        std::lock_guard lock(pool_mutex);
        auto& idle = pool<Stream>();
        auto it = idle.find(key);
        if (it == idle.end()) return nullptr;
        auto& stack = it->second;
        const auto now = Clock::now();
        while (!stack.empty()) {
            auto connection = std::move(stack.back());
            stack.pop_back();
            const auto idle_for = now - connection->idle_since;
            if (idle_for < kFreshIdle || (idle_for < kMaxIdleAge && connection->still_open())) {
                if (stack.empty()) idle.erase(it);
                return connection;
            }
            // Dropped here, it closes as it goes.
        }
        // Thousands of workers each get a key; drop the empty ones.
        idle.erase(it);
        return nullptr;
    }

    template <typename Stream>
    void put_idle(const std::string& key, std::shared_ptr<Connection<Stream>> connection) {
        connection->idle_since = Clock::now();
        std::lock_guard lock(pool_mutex);
        auto& stack = pool<Stream>()[key];
        if (stack.size() >= max_idle_per_host) return;  // dropped: closed as it goes
        stack.push_back(std::move(connection));
    }

    template <typename Stream>
    void send(ClientRequest request, Target target, std::function<void(ClientResponse)> done);
    template <typename Stream>
    void stream(ClientRequest request, Target target, ChunkHandler on_chunk, std::function<void(ClientResponse)> done);
    // `first` is a pooled connection or a fresh one, not yet connected.
    template <typename Stream>
    asio::awaitable<ClientResponse> exchange(ClientRequest request, Target target,
                                             std::shared_ptr<Connection<Stream>> first);
    template <typename Stream>
    asio::awaitable<ClientResponse> stream_exchange(ClientRequest request, Target target,
                                                    std::shared_ptr<Connection<Stream>> connection,
                                                    ChunkHandler on_chunk);
    // Resolves and connects a fresh connection under its deadline (and shakes
    // hands over TLS); a failure, or nothing when connected.
    template <typename Stream>
    static asio::awaitable<std::optional<ClientResponse>> connect(Connection<Stream>& connection,
                                                                  const Target& target,
                                                                  std::chrono::milliseconds timeout);
};

template <typename Stream>
asio::awaitable<std::optional<ClientResponse>> HttpClient::Impl::connect(Connection<Stream>& connection,
                                                                         const Target& target,
                                                                         std::chrono::milliseconds timeout) {
    error_code ec;
    std::vector<tcp::endpoint> endpoints;
    if (target.ip_literal) {
        endpoints.emplace_back(asio::ip::make_address(target.host, ec), target.port);
        if (ec) co_return failure(ClientError::InvalidUrl, "bad address: " + target.host);
    } else {
        auto& resolver = connection.resolver.emplace(connection.strand);
        auto results = co_await resolver.async_resolve(target.host, std::to_string(target.port),
                                                       asio::redirect_error(asio::use_awaitable, ec));
        connection.resolver.reset();
        if (connection.timed_out) co_return timeout_failure(timeout);
        if (ec) co_return failure(ClientError::Resolve, "resolve " + target.host + ": " + ec.message());
        for (const auto& entry : results) endpoints.push_back(entry.endpoint());
        if (endpoints.empty()) co_return failure(ClientError::Resolve, "resolve " + target.host + ": no address");
    }
    co_await asio::async_connect(connection.socket(), endpoints, asio::redirect_error(asio::use_awaitable, ec));
    if (connection.timed_out) co_return timeout_failure(timeout);
    if (ec) co_return failure(classify(ec), "connect " + target.host_and_port + ": " + ec.message());
    connection.socket().set_option(tcp::no_delay(true), ec);
    if constexpr (std::is_same_v<Stream, TlsStream>) {
        // SNI for a name (an address is not sent), and the certificate must name the host or IP we asked for.
        if (!target.ip_literal) SSL_set_tlsext_host_name(connection.stream.native_handle(), target.host.c_str());
        connection.stream.set_verify_callback(asio::ssl::host_name_verification(target.host));
        co_await connection.stream.async_handshake(asio::ssl::stream_base::client,
                                                   asio::redirect_error(asio::use_awaitable, ec));
        if (connection.timed_out) co_return timeout_failure(timeout);
        if (ec) co_return failure(ClientError::Other, "TLS handshake with " + target.host_and_port + ": " + ec.message());
    }
    co_return std::nullopt;
}

template <typename Stream>
asio::awaitable<ClientResponse> HttpClient::Impl::stream_exchange(ClientRequest request, Target target,
                                                                  std::shared_ptr<Connection<Stream>> connection,
                                                                  ChunkHandler on_chunk) {
    if (auto refused = refuse_header_injection(request)) co_return std::move(*refused);
    const std::string head = request_head(request, target);
    const std::array<asio::const_buffer, 2> text{asio::buffer(head), asio::buffer(request.body)};
    struct Finish {
        Connection<Stream>& connection;
        ~Finish() {
            connection.expect_nothing();
            error_code ignored;
            connection.socket().close(ignored);
        }
    } finish{*connection};

    connection->expect_by(Clock::now() + request.timeout);
    if (auto failed = co_await connect(*connection, target, request.timeout)) co_return std::move(*failed);
    error_code ec;
    co_await asio::async_write(connection->stream, text, asio::redirect_error(asio::use_awaitable, ec));
    if (connection->timed_out) co_return timeout_failure(request.timeout);
    if (ec) co_return failure(classify(ec), "write: " + ec.message());

    auto& buffer = connection->buffer;
    ResponseParser parser;
    parser.header_limit(kHeaderLimit);
    // A declared length is checked against the limit as the head is read: the streamed case has none.
    parser.body_limit(boost::none);
    co_await bhttp::async_read_header(connection->stream, buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
    if (connection->timed_out) co_return timeout_failure(request.timeout);
    if (ec) co_return failure(classify(ec), "read: " + ec.message());

    ClientResponse response;
    response.status = parser.status;
    const bool streamed = parser.status >= 200 && parser.status < 300;
    bool stopped = false;
    if (streamed) {
        parser.body_sink = [&](std::string_view piece) {
            connection->expect_by(Clock::now() + request.timeout);
            stopped = !on_chunk(piece);
            return !stopped;
        };
    } else {
        parser.body_limit(request.body_limit);
    }
    while (!parser.is_done()) {
        co_await bhttp::async_read_some(connection->stream, buffer, parser,
                                        asio::redirect_error(asio::use_awaitable, ec));
        if (stopped) break;
        if (connection->timed_out) {
            response.error = ClientError::Timeout;
            response.error_message = "nothing for " + std::to_string(request.timeout.count()) + " ms";
            break;
        }
        if (ec == bhttp::error::body_limit) {
            response.error = ClientError::TooLarge;
            response.error_message = "answer exceeds the " + describe_bytes(request.body_limit) + " limit";
            break;
        }
        if (ec) {
            response.error = is_closed(ec) ? ClientError::Truncated : classify(ec);
            response.error_message = "answer cut off: " + ec.message();
            break;
        }
    }
    if (!streamed) response.body = std::move(parser.body);
    co_return response;
}

template <typename Stream>
asio::awaitable<ClientResponse> HttpClient::Impl::exchange(ClientRequest request, Target target,
                                                           std::shared_ptr<Connection<Stream>> first) {
    if (auto refused = refuse_header_injection(request)) co_return std::move(*refused);
    const std::string head = request_head(request, target);
    const std::array<asio::const_buffer, 2> text{asio::buffer(head), asio::buffer(request.body)};
    const auto deadline = Clock::now() + request.timeout;
    const Strand strand = first->strand;

    std::shared_ptr<Connection<Stream>> connection;
    // Whatever way the exchange ends, the connection's timer has nothing more to cut off.
    struct Finish {
        std::shared_ptr<Connection<Stream>>& connection;
        ~Finish() {
            if (connection) connection->expect_nothing();
        }
    } finish{connection};

    const auto timeout_response = [&] { return timeout_failure(request.timeout); };

    error_code ec;
    for (int attempt = 0; attempt < 2; ++attempt) {
        // Only the first attempt may reuse; the retry always gets a fresh connection.
        const bool reused = attempt == 0 && first->socket().is_open();
        if (connection) connection->expect_nothing();
        connection = attempt == 0 ? std::move(first) : fresh<Stream>(strand);
        connection->expect_by(deadline);

        if (!reused) {
            if (auto failed = co_await connect(*connection, target, request.timeout)) co_return std::move(*failed);
        }

        co_await asio::async_write(connection->stream, text, asio::redirect_error(asio::use_awaitable, ec));
        if (connection->timed_out) co_return timeout_response();
        if (ec) {
            if (reused && is_closed(ec)) continue;
            co_return failure(classify(ec), "write: " + ec.message());
        }

        auto& buffer = connection->buffer;
        ResponseParser parser;
        parser.body_limit(request.body_limit);
        parser.header_limit(kHeaderLimit);
        if (request.method == Method::Head) parser.skip(true);
        co_await bhttp::async_read(connection->stream, buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
        if (connection->timed_out) co_return timeout_response();
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

        ClientResponse response;
        response.status = parser.status;
        response.body = std::move(parser.body);
        connection->expect_nothing();
        // Beast reads at most the buffer's capacity at a time, and an empty buffer that
        // held 512 bytes never grows past it: each answer longer than that (a start's)
        // took two reads. The next answer of this size takes one.
        if (const auto wanted = std::min(response.body.size() + kHeaderRoom, kMaxReadAhead); buffer.capacity() < wanted)
            buffer.reserve(wanted);
        if (parser.keep_alive() && buffer.size() == 0) {
            put_idle(target.pool_key, std::move(connection));
        } else {
            connection->socket().shutdown(tcp::socket::shutdown_both, ec);
            connection->socket().close(ec);
        }
        co_return response;
    }
    co_return failure(ClientError::Closed, "connection closed by peer (after a retry)");
}

HttpClient::HttpClient(asio::io_context& io, std::size_t max_idle_per_host, std::shared_ptr<TlsContext> tls)
    : impl_(std::make_shared<Impl>(io, max_idle_per_host, std::move(tls))) {}

// In-flight exchanges keep the Impl (and its pool) alive until they finish.
HttpClient::~HttpClient() = default;

namespace {

// A request that cannot start is answered on the io_context all the same, as every other outcome is.
std::optional<Target> startable(asio::io_context& io, const ClientRequest& request,
                                std::function<void(ClientResponse)>& done) {
    auto target = parse_target(request.url);
    if (target && request.method != Method::Other) return target;
    auto response = !target ? failure(ClientError::InvalidUrl, "invalid http(s) URL: " + request.url)
                            : failure(ClientError::Other, "unsupported method");
    asio::post(io, [done = std::move(done), response = std::move(response)]() mutable { done(std::move(response)); });
    return std::nullopt;
}

// co_spawn's completion: an escaped exception becomes an `Other` answer. `keep`
// holds the client's state (its pool) until the exchange is over.
auto completion(std::shared_ptr<void> keep, std::function<void(ClientResponse)> done) {
    return [keep = std::move(keep), done = std::move(done)](std::exception_ptr error, ClientResponse response) {
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
    };
}

}  // namespace

template <typename Stream>
void HttpClient::Impl::send(ClientRequest request, Target target, std::function<void(ClientResponse)> done) {
    // The exchange runs on its connection's strand, with the connection's deadline
    // timer; a new connection gets a strand of its own. co_spawn posts, so any thread may call.
    auto connection = take_idle<Stream>(target.pool_key);
    if (!connection) connection = fresh<Stream>(asio::make_strand(io));
    const Strand strand = connection->strand;
    asio::co_spawn(strand, exchange(std::move(request), std::move(target), std::move(connection)),
                   completion(shared_from_this(), std::move(done)));
}

template <typename Stream>
void HttpClient::Impl::stream(ClientRequest request, Target target, ChunkHandler on_chunk,
                              std::function<void(ClientResponse)> done) {
    auto connection = fresh<Stream>(asio::make_strand(io));
    const Strand strand = connection->strand;
    asio::co_spawn(strand,
                   stream_exchange(std::move(request), std::move(target), std::move(connection), std::move(on_chunk)),
                   completion(shared_from_this(), std::move(done)));
}

void HttpClient::send(ClientRequest request, std::function<void(ClientResponse)> done) {
    auto target = startable(impl_->io, request, done);
    if (!target) return;
    if (target->tls) impl_->send<TlsStream>(std::move(request), std::move(*target), std::move(done));
    else impl_->send<tcp::socket>(std::move(request), std::move(*target), std::move(done));
}

void HttpClient::stream(ClientRequest request, ChunkHandler on_chunk, std::function<void(ClientResponse)> done) {
    auto target = startable(impl_->io, request, done);
    if (!target) return;
    if (target->tls) impl_->stream<TlsStream>(std::move(request), std::move(*target), std::move(on_chunk), std::move(done));
    else impl_->stream<tcp::socket>(std::move(request), std::move(*target), std::move(on_chunk), std::move(done));
}

struct BlockingHttpClient::Impl {
    explicit Impl(std::shared_ptr<TlsContext> tls) : client(io, 8, std::move(tls)) {}

    asio::io_context io;
    asio::executor_work_guard<asio::io_context::executor_type> work{io.get_executor()};
    HttpClient client;
    std::thread thread{[this] { io.run(); }};

    ~Impl() {
        work.reset();
        io.stop();
        thread.join();
    }
};

BlockingHttpClient::BlockingHttpClient(std::shared_ptr<TlsContext> tls) : impl_(std::make_unique<Impl>(std::move(tls))) {}

BlockingHttpClient::~BlockingHttpClient() = default;

ClientResponse BlockingHttpClient::send(ClientRequest request) {
    std::promise<ClientResponse> promise;
    auto future = promise.get_future();
    impl_->client.send(std::move(request), [&promise](ClientResponse response) { promise.set_value(std::move(response)); });
    return future.get();
}

ClientResponse BlockingHttpClient::stream(ClientRequest request, ChunkHandler on_chunk) {
    std::promise<ClientResponse> promise;
    auto future = promise.get_future();
    impl_->client.stream(std::move(request), std::move(on_chunk),
                         [&promise](ClientResponse response) { promise.set_value(std::move(response)); });
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
