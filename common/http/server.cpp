#include "common/http/server.hpp"

#include "common/http/error.hpp"
#include "common/http/lean_parser.hpp"
#include "common/fd_limit.hpp"
#include "common/http/response_stream.hpp"
#include "common/log.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <mutex>
#include <optional>
#include <stdexcept>
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
using TlsStream = asio::ssl::stream<tcp::socket>;

namespace {

constexpr auto kUseTuple = asio::as_tuple(asio::use_awaitable);

using Clock = std::chrono::steady_clock;
using RequestParser = LeanParser<true>;

// Parses what the buffer already holds: the header, when it is whole there (the parser
// stops after it, so the caller can set the body's limit), else the body as far as it is
// there. Most requests arrive whole in the session's first read, and are parsed here
// rather than by async_read_header and async_read, each a trip through the executor.
// Needing more bytes is no error: the caller reads them.
void put_buffered(RequestParser& parser, beast::flat_buffer& buffer, beast::error_code& ec) {
    const bool in_header = !parser.is_header_done();
    while (buffer.size() > 0 && !parser.is_done()) {
        const std::size_t used = parser.put(buffer.data(), ec);
        buffer.consume(used);
        if (ec == bhttp::error::need_more) ec = {};
        if (ec || used == 0 || (in_header && parser.is_header_done())) return;
    }
}

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

HttpRequest to_request(RequestParser& parser) {
    HttpRequest request;
    request.method = from_verb(parser.method);
    request.target = std::move(parser.target);
    const auto q = request.target.find('?');
    request.path = request.target.substr(0, q);
    if (q != std::string::npos) request.query = request.target.substr(q + 1);
    request.authorization = std::move(parser.authorization);
    request.idempotency_key = std::move(parser.idempotency_key);
    request.last_event_id = std::move(parser.last_event_id);
    request.if_none_match = std::move(parser.if_none_match);
    request.body = std::move(parser.body);
    return request;
}

bool safe_header(std::string_view text) { return text.find_first_of("\r\n") == std::string_view::npos; }

// The whole answer in one buffer: one write, none of the serializer's buffer
// sequences (the costliest part of a small answer). An answer to HEAD has the
// headers of the GET answer, Content-Length included, and no body.
void serialize(std::string& out, HttpResponse&& response, unsigned version, bool keep_alive, bool with_body = true) {
    const auto reason = bhttp::obsolete_reason(static_cast<bhttp::status>(response.status));
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
    // A stream's length is unknown: its end is the connection's. A 304 has no body, and its
    // length would not be the resource's (RFC 9110 8.6).
    if (!response.stream && response.status != 304) {
        out += "Content-Length: ";
        out += std::to_string(response.body.size());
        out += "\r\n";
    }
    if (!keep_alive && version != 10) out += "Connection: close\r\n";
    if (keep_alive && version == 10) out += "Connection: keep-alive\r\n";
    out += "\r\n";
    if (with_body) out += response.body;
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

// Suspends the session until its stream has the next piece (or ends), then
// resumes it on its strand.
template <typename Token>
auto async_next_piece(std::shared_ptr<ResponseStream> stream, Token&& token) {
    return asio::async_initiate<Token, void(ResponseStream::Piece)>(
        [](auto completion, std::shared_ptr<ResponseStream> stream) {
            auto executor = asio::get_associated_executor(completion);
            auto shared = std::make_shared<decltype(completion)>(std::move(completion));
            auto work = asio::make_work_guard(executor);
            stream->next([shared, executor, work](ResponseStream::Piece piece) {
                asio::post(executor, [shared, piece = std::move(piece)]() mutable {
                    std::move (*shared)(std::move(piece));
                });
            });
        },
        token, std::move(stream));
}

// Whether a warning repeated under a flood is due: the first, then at most one every 10 s.
bool warning_due(std::atomic<std::int64_t>& last_said) {
    const auto now = std::chrono::duration_cast<std::chrono::seconds>(Clock::now().time_since_epoch()).count();
    auto last = last_said.load();
    return (last == 0 || now - last >= 10) && last_said.compare_exchange_strong(last, now);
}

}  // namespace

struct HttpServer::Impl : std::enable_shared_from_this<Impl> {
    // What a connection's deadline cuts off: an idle wait or a write closes
    // the connection; a slow request is cancelled, so it can still get a 408.
    enum class Phase { Idle, Reading, Handling, Writing };

    // What stop() needs of a connection of either kind.
    struct Closable {
        virtual ~Closable() = default;
        virtual void abort() = 0;
    };

    // `Stream`: tcp::socket for plain HTTP, TlsStream for HTTPS; the session
    // is the same code for both, so the plain path pays nothing for TLS.
    template <typename Stream>
    struct Connection final : Closable, std::enable_shared_from_this<Connection<Stream>> {
        Connection(tcp::socket&& socket, Clock::duration period, std::shared_ptr<asio::ssl::context> tls)
            : tls(std::move(tls)),
              stream(open(std::move(socket), this->tls.get())),
              timer(stream.get_executor()),
              period(period) {}

        static Stream open(tcp::socket&& socket, [[maybe_unused]] asio::ssl::context* tls) {
            if constexpr (std::is_same_v<Stream, TlsStream>) return Stream(std::move(socket), *tls);
            else return std::move(socket);
        }

        auto& socket() { return stream.lowest_layer(); }

        // Moves the deadline; the timer, which never waits longer than the
        // shortest timeout, notices when it fires, so a request on a busy
        // connection costs no timer operations at all.
        void expect(Phase next, Clock::duration limit) {
            phase = next;
            timed_out = false;
            deadline = Clock::now() + limit;
            if (limit < period) watch(deadline);
        }
        void expect_nothing() {
            phase = Phase::Handling;
            deadline = Clock::time_point::max();
        }

        void watch(Clock::time_point until) {
            timer.expires_at(until);
            timer.async_wait([weak = this->weak_from_this()](const beast::error_code& ec) {
                if (ec) return;  // re-armed or closed
                if (auto connection = weak.lock()) connection->check_deadline();
            });
        }

        void check_deadline() {
            if (!socket().is_open()) return;
            const auto now = Clock::now();
            if (now < deadline) {
                watch(std::min(deadline, now + period));
                return;
            }
            timed_out = true;
            beast::error_code ignored;
            if (phase != Phase::Reading) {
                socket().close(ignored);
                return;
            }
            socket().cancel(ignored);
            watch(now + period);  // the 408 that follows has a deadline of its own
        }

        void close() {
            beast::error_code ignored;
            socket().shutdown(tcp::socket::shutdown_send, ignored);
            socket().close(ignored);
            timer.cancel();
        }

        void abort() override {
            asio::post(stream.get_executor(), [self = this->shared_from_this()] {
                beast::error_code ignored;
                self->socket().shutdown(tcp::socket::shutdown_both, ignored);
                self->close();
                if (self->stream_answer) self->stream_answer->close();
            });
        }

        std::shared_ptr<asio::ssl::context> tls;  // kept for the connection's life (a reload may replace it)
        Stream stream;
        asio::steady_timer timer;
        const Clock::duration period;  // the longest the timer waits
        Clock::time_point deadline = Clock::time_point::max();
        Phase phase = Phase::Idle;
        bool timed_out = false;
        std::string out;  // the answer being written; its capacity serves the next one
        std::shared_ptr<ResponseStream> stream_answer;  // the answer being streamed, if any
        std::array<char, 64> leaving{};          // where a streaming client's unexpected bytes go
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
    // A connection past max_connections: a 503 on a plain port, then closed.
    void turn_away(tcp::socket socket);
    asio::awaitable<void> answer_busy(std::shared_ptr<Connection<tcp::socket>> connection);
    // Registers the connection and spawns its session; false once stopped.
    bool start_session(tcp::socket&& socket);
    template <typename Stream>
    bool start_session(tcp::socket&& socket, std::shared_ptr<asio::ssl::context> tls);
    // Waits for the client's first bytes as for an idle connection, then shakes hands.
    asio::awaitable<bool> handshake(Connection<TlsStream>& connection);
    template <typename Stream>
    asio::awaitable<void> session(std::shared_ptr<Connection<Stream>> connection, std::uint64_t id);
    template <typename Stream>
    asio::awaitable<void> serve_stream(std::shared_ptr<Connection<Stream>> connection);
    // `drain_up_to`: how much of what the client still sends is read away after the answer.
    template <typename Stream>
    asio::awaitable<void> refuse(Connection<Stream>& connection, HttpResponse answer, std::size_t drain_up_to = 0);
    template <typename Stream>
    asio::awaitable<void> refuse(Connection<Stream>& connection, int status, std::string_view message,
                                 std::size_t drain_up_to = 0) {
        return refuse(connection, error_response(status, message), drain_up_to);
    }

    std::size_t limit_for(std::string_view target) const {
        if (!config.body_limit_for) return config.body_limit;
        return config.body_limit_for(target.substr(0, target.find('?')));
    }

    asio::io_context& io;
    ServerConfig config;
    RequestHandler handler;
    tcp::acceptor acceptor;
    // A connection's timer waits at most this long, so it never oversleeps a deadline.
    const Clock::duration check_period =
        std::max<Clock::duration>(std::min({config.read_timeout, config.idle_timeout, config.write_timeout}),
                                  std::chrono::milliseconds(1));

    std::size_t max_connections = 0;  // set by listen()
    std::atomic<std::size_t> turning_away{0};  // 503s being written
    std::atomic<std::uint64_t> turned_away{0};
    std::atomic<std::int64_t> last_turn_away_log{0};
    std::atomic<std::int64_t> last_accept_failure_log{0};

    std::mutex mutex;
    std::unordered_map<std::uint64_t, std::weak_ptr<Closable>> connections;
    std::uint64_t next_id = 0;
    bool stopped = false;
};

asio::awaitable<void> HttpServer::Impl::accept_loop() {
    auto self = shared_from_this();
    for (;;) {
        auto [ec, socket] = co_await acceptor.async_accept(session_executor(), kUseTuple);
        if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
        if (ec) {
            if (warning_due(last_accept_failure_log)) log::warn("accept failed: ", ec.message());
            // Out of descriptors or memory: the next accept would fail at once too, so pause
            // instead of spinning; connections closing meanwhile make room.
            if (ec == asio::error::no_descriptors || ec == asio::error::no_buffer_space ||
                ec == asio::error::no_memory || ec.value() == ENFILE) {
                asio::steady_timer pause(acceptor.get_executor(), std::chrono::milliseconds(100));
                co_await pause.async_wait(kUseTuple);
            }
            continue;
        }
        socket.set_option(tcp::no_delay(true), ec);
        bool full = false;
        {
            std::lock_guard lock(mutex);
            if (stopped) co_return;
            full = connections.size() >= max_connections;
        }
        if (full) {
            turn_away(std::move(socket));
            continue;
        }
        if (!start_session(std::move(socket))) co_return;
    }
}

void HttpServer::Impl::turn_away(tcp::socket socket) {
    const auto count = ++turned_away;
    // A flood must not flood the log too.
    if (warning_due(last_turn_away_log))
        log::warn("at the connection limit (", max_connections, "): new connections are answered 503 (",
                  count, " so far)");
    // A few answers at a time, on a plain port; past that, or on a TLS port (where an answer would
    // cost a handshake), the connection is just closed.
    if (config.tls || turning_away.load() >= 64) {
        beast::error_code ignored;
        socket.close(ignored);
        return;
    }
    ++turning_away;
    auto executor = socket.get_executor();
    asio::co_spawn(executor,
                   answer_busy(std::make_shared<Connection<tcp::socket>>(std::move(socket), check_period, nullptr)),
                   asio::detached);
}

asio::awaitable<void> HttpServer::Impl::answer_busy(std::shared_ptr<Connection<tcp::socket>> connection) {
    auto self = shared_from_this();
    // However the coroutine ends (an exception, its frame destroyed unresumed), the answer is no longer being written.
    const auto done = std::shared_ptr<void>(nullptr, [this](void*) { --turning_away; });
    connection->watch(Clock::now() + check_period);
    auto response = error_response(503, "too many open connections (at most " + std::to_string(max_connections) +
                                            "); retry later");
    response.headers.emplace_back("Retry-After", "1");
    co_await refuse(*connection, std::move(response));
    connection->close();
}

bool HttpServer::Impl::start_session(tcp::socket&& socket) {
    if (config.tls) return start_session<TlsStream>(std::move(socket), config.tls->current());
    return start_session<tcp::socket>(std::move(socket), nullptr);
}

template <typename Stream>
bool HttpServer::Impl::start_session(tcp::socket&& socket, std::shared_ptr<asio::ssl::context> tls) {
    auto connection = std::make_shared<Connection<Stream>>(std::move(socket), check_period, std::move(tls));
    std::uint64_t id = 0;
    {
        std::lock_guard lock(mutex);
        if (stopped) return false;
        id = next_id++;
        connections.emplace(id, connection);
    }
    auto executor = connection->stream.get_executor();
    asio::co_spawn(executor, session(std::move(connection), id), asio::detached);
    return true;
}

asio::awaitable<bool> HttpServer::Impl::handshake(Connection<TlsStream>& connection) {
    // A client that connects and says nothing (the backend's connection watch)
    // is an idle connection, as on a plain port, not a slow handshake.
    connection.expect(Phase::Idle, config.idle_timeout);
    auto [wait_ec] = co_await connection.socket().async_wait(tcp::socket::wait_read, kUseTuple);
    if (wait_ec) co_return false;
    connection.expect(Phase::Writing, config.read_timeout);
    auto [ec] = co_await connection.stream.async_handshake(asio::ssl::stream_base::server, kUseTuple);
    connection.expect_nothing();
    if (ec) {
        beast::error_code ignored;
        const auto peer = connection.socket().remote_endpoint(ignored);
        log::info("TLS handshake with ", peer.address().to_string(), " failed: ", ec.message());
        co_return false;
    }
    co_return true;
}

template <typename Stream>
asio::awaitable<void> HttpServer::Impl::refuse(Connection<Stream>& connection, HttpResponse answer,
                                               std::size_t drain_up_to) {
    auto& socket = connection.stream;
    connection.out.clear();
    serialize(connection.out, std::move(answer), 11, false);
    connection.expect(Phase::Writing, config.write_timeout);
    co_await asio::async_write(socket, asio::buffer(connection.out), kUseTuple);
    // Shut down our side, then read what the client still sends for a moment,
    // so it sees the answer instead of a reset.
    beast::error_code ignored;
    connection.socket().shutdown(tcp::socket::shutdown_send, ignored);
    connection.expect(Phase::Idle, std::chrono::seconds(1));
    char sink[16 * 1024];
    std::size_t drained = 0;
    while (drained < 4 * std::max(drain_up_to, config.body_limit)) {
        auto [ec, n] = co_await socket.async_read_some(asio::buffer(sink), kUseTuple);
        if (ec) break;
        drained += n;
    }
}

template <typename Stream>
asio::awaitable<void> HttpServer::Impl::session(std::shared_ptr<Connection<Stream>> connection, std::uint64_t id) {
    auto self = shared_from_this();
    // However the session ends (an exception, its frame destroyed while it waits for a reply that never
    // comes), its connection stops counting against max_connections.
    const auto forget = std::shared_ptr<void>(nullptr, [this, id](void*) {
        std::lock_guard lock(mutex);
        connections.erase(id);
    });
    auto& socket = connection->stream;
    beast::flat_buffer buffer;
    connection->watch(Clock::now() + check_period);
    bool ready = true;
    if constexpr (std::is_same_v<Stream, TlsStream>) ready = co_await handshake(*connection);
    while (ready) {
        if (buffer.size() == 0) {
            // An idle kept-alive connection waits longer than a request being read. A new
            // connection that says nothing is idle too: the backend's connection watch keeps
            // one to every worker, so that the worker's death is seen at once.
            connection->expect(Phase::Idle, config.idle_timeout);
            auto [ec, n] = co_await socket.async_read_some(buffer.prepare(4096), kUseTuple);
            if (ec) break;
            buffer.commit(n);
        }

        RequestParser parser;
        parser.header_limit(static_cast<std::uint32_t>(config.header_limit));
        // The body's limit depends on the path: set once the header is in.
        parser.body_limit(boost::none);
        connection->expect(Phase::Reading, config.read_timeout);
        beast::error_code ec;
        put_buffered(parser, buffer, ec);
        if (!ec && !parser.is_header_done())
            std::tie(ec, std::ignore) = co_await bhttp::async_read_header(socket, buffer, parser, kUseTuple);
        std::size_t body_limit = config.body_limit;
        if (!ec) {
            body_limit = limit_for(parser.target);
            // A declared length is checked here; a chunked body as it arrives.
            if (const auto length = parser.content_length(); length && *length > body_limit) {
                ec = bhttp::error::body_limit;
            } else if (!parser.is_done()) {
                parser.body_limit(body_limit);
                put_buffered(parser, buffer, ec);
                if (!ec && !parser.is_done())
                    std::tie(ec, std::ignore) = co_await bhttp::async_read(socket, buffer, parser, kUseTuple);
            }
        }
        const bool timed_out = connection->timed_out;
        connection->expect_nothing();
        if (ec == bhttp::error::end_of_stream) break;
        if (ec == bhttp::error::body_limit) {
            co_await refuse(*connection, 413, "request body exceeds " + std::to_string(body_limit) + " bytes",
                            body_limit);
            break;
        }
        if (ec == bhttp::error::header_limit) {
            co_await refuse(*connection, 431, "request headers too large");
            break;
        }
        if (ec && timed_out) {
            co_await refuse(*connection, 408, "request not received in time");
            break;
        }
        if (ec && ec.category() == bhttp::make_error_code(bhttp::error::bad_target).category() && ec != bhttp::error::partial_message) {
            co_await refuse(*connection, 400, "malformed HTTP request: " + ec.message());
            break;
        }
        if (ec) break;

        const bool keep_alive = parser.keep_alive();
        const unsigned version = parser.version;
        const bool head = parser.method == bhttp::verb::head;
        auto pending = std::make_shared<PendingReply>();
        handler(to_request(parser), [pending](HttpResponse r) { pending->deliver(std::move(r)); });
        // Most replies are ready at once; only a late one suspends the session.
        // (Plain statements: GCC 12 miscompiles co_await inside ?: expressions.)
        std::optional<HttpResponse> response = pending->take_ready();
        if (!response) response = co_await async_wait_reply(pending, asio::use_awaitable);
        connection->stream_answer = response->stream;
        connection->out.clear();
        serialize(connection->out, std::move(*response), version, keep_alive && !connection->stream_answer, !head);
        connection->expect(Phase::Writing, config.write_timeout);
        auto [write_ec, written] = co_await asio::async_write(socket, asio::buffer(connection->out), kUseTuple);
        if (connection->stream_answer) {
            if (!write_ec && !head) co_await serve_stream(connection);
            connection->stream_answer->close();
            break;
        }
        if (write_ec || !keep_alive) break;
    }
    connection->close();
}

template <typename Stream>
asio::awaitable<void> HttpServer::Impl::serve_stream(std::shared_ptr<Connection<Stream>> connection) {
    auto stream = connection->stream_answer;
    // A streaming client sends nothing more: a read that ends, with bytes or
    // an error, means it left (or broke the protocol), so the stream closes
    // at once instead of at its next write.
    connection->stream.async_read_some(asio::buffer(connection->leaving),
                                       [connection, stream](const beast::error_code&, std::size_t) { stream->close(); });
    for (;;) {
        connection->expect_nothing();
        const ResponseStream::Piece piece = co_await async_next_piece(stream, asio::use_awaitable);
        if (!piece || !connection->socket().is_open()) break;
        connection->expect(Phase::Writing, config.write_timeout);
        auto [ec, n] = co_await asio::async_write(connection->stream, asio::buffer(*piece), kUseTuple);
        if (ec) break;
    }
}

HttpServer::HttpServer(asio::io_context& io, ServerConfig config, RequestHandler handler)
    : impl_(std::make_shared<Impl>(io, std::move(config), std::move(handler))) {}

HttpServer::~HttpServer() { stop(); }

std::uint16_t HttpServer::listen() {
    auto& acceptor = impl_->acceptor;
    const auto& host = impl_->config.host;
    const std::string port_text = std::to_string(impl_->config.port);
    try {
        tcp::resolver resolver(impl_->io);
        const auto results =
            resolver.resolve(host, port_text, tcp::resolver::passive | tcp::resolver::numeric_service);
        const tcp::endpoint endpoint = *results.begin();
        acceptor.open(endpoint.protocol());
        acceptor.set_option(asio::socket_base::reuse_address(true));
        acceptor.bind(endpoint);
        acceptor.listen(asio::socket_base::max_listen_connections);
    } catch (const boost::system::system_error& error) {
        // What an operator can act on, without Boost's source location.
        const bool ipv6 = host.find(':') != std::string::npos;
        throw std::runtime_error("cannot listen on " + (ipv6 ? "[" + host + "]" : host) + ":" + port_text + ": " +
                                 error.code().message());
    }
    // Each connection holds a descriptor; the rest of the program needs some too (its
    // database, its own calls out), so connections get at most three quarters of them.
    const std::size_t descriptors = raise_fd_limit();
    const std::size_t affordable = descriptors - descriptors / 4;
    impl_->max_connections = std::min(impl_->config.max_connections, affordable);
    if (impl_->max_connections < impl_->config.max_connections)
        log::warn("open file limit ", descriptors, ": serving at most ", impl_->max_connections,
                  " connections instead of ", impl_->config.max_connections);
    const auto port = acceptor.local_endpoint().port();
    asio::co_spawn(acceptor.get_executor(), impl_->accept_loop(), asio::detached);
    return port;
}

void HttpServer::stop() {
    std::vector<std::shared_ptr<Impl::Closable>> open;
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
    for (auto& connection : open) connection->abort();
}

}  // namespace fleet::http
