#include "backend/health/connection_watch.hpp"

#include "common/http/url.hpp"
#include "common/fd_limit.hpp"
#include "common/log.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>


#include <array>
#include <atomic>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <utility>
#include <vector>

namespace fleet::backend {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using boost::system::error_code;

namespace {

// One connection attempt (resolve + connect) may take this long; past it the
// host is silent, which is ambiguous: try again, report nothing.
constexpr std::chrono::milliseconds kConnectDeadline{1000};
// Pause before another attempt after an ambiguous failure that came at once
// (unreachable network, resolver error).
constexpr std::chrono::milliseconds kRetryDelay{1000};
// A peer that closes every connection at once (connection limit, proxy) must
// not make us spin: after this many closes in a row of connections younger than
// kShortLived, wait kRetryDelay before reconnecting. (A worker's own idle
// timeout is minutes, so a healthy worker never gets here, and a dead one is
// still found by the first reconnect.)
constexpr int kMaxQuickCloses = 5;
constexpr std::chrono::milliseconds kShortLived{1000};

// Nobody listens there, or the peer refused us outright: the process is gone.
bool definite_connect_error(const error_code& ec) {
    return ec == asio::error::connection_refused || ec == asio::error::connection_reset ||
           ec == asio::error::connection_aborted;
}

}  // namespace

// One watched worker. Its socket, timer and resolver live on the watch's
// strand; `cancelled` is the only field touched from other threads.
struct Watch : std::enable_shared_from_this<Watch> {
    Watch(const asio::strand<asio::io_context::executor_type>& strand, std::string id, std::string endpoint,
          http::HttpUrl address)
        : id(std::move(id)),
          endpoint(std::move(endpoint)),
          address(std::move(address)),
          socket(strand),
          timer(strand),
          resolver(strand) {}

    const std::string id;
    const std::string endpoint;
    const http::HttpUrl address;
    tcp::socket socket;
    asio::steady_timer timer;
    tcp::resolver resolver;
    std::atomic<bool> cancelled{false};

    // On the strand only.
    std::uint64_t attempt = 0;  // tells a stale deadline from the current one
    bool deadline_armed = false;  // a connect attempt is under way with its deadline
    bool timed_out = false;
    bool connected_once = false;
    int quick_closes = 0;
    std::chrono::steady_clock::time_point connected_at{};
    std::array<char, 64> buffer{};

    void close() {
        error_code ignored;
        timer.cancel();
        resolver.cancel();
        socket.close(ignored);
    }
};

// Locking: `map_mutex` guards `watches` and `stopped`; `gate` is held while
// on_lost runs, so the destructor (which takes it) returns only once no
// callback runs and none will. `gate` is recursive so that on_lost may call
// watch()/unwatch() or destroy the ConnectionWatch. Order: gate before map_mutex.
struct ConnectionWatch::Impl : std::enable_shared_from_this<Impl> {
    Impl(asio::io_context& io, OnLost on_lost)
        : io(io), strand(asio::make_strand(io)), on_lost(std::move(on_lost)) {}

    asio::io_context& io;
    // One strand for every watch: the work per event is tiny, and it keeps the
    // I/O objects of a watch single-threaded however many threads run `io`.
    asio::strand<asio::io_context::executor_type> strand;
    OnLost on_lost;

    std::recursive_mutex gate;
    mutable std::mutex map_mutex;
    bool stopped = false;
    std::unordered_map<std::string, std::shared_ptr<Watch>> watches;

    void watch(const std::string& id, const std::string& endpoint) {
        // An https:// worker is watched the same way: a TLS server treats a
        // connection that sends nothing as idle (no handshake deadline), so a
        // bare TCP connection serves, without a handshake per watch.
        const auto address = http::parse_http_url(endpoint);
        if (!address) {
            log::warn("connection watch: not watching ", id, ": bad endpoint URL '", endpoint, "'");
            return;
        }
        std::shared_ptr<Watch> old;
        auto fresh = std::make_shared<Watch>(strand, id, endpoint, *address);
        {
            std::lock_guard lock(map_mutex);
            if (stopped) return;
            auto it = watches.find(id);
            if (it != watches.end()) {
                if (it->second->endpoint == endpoint) return;
                old = std::move(it->second);
                old->cancelled = true;
                it->second = fresh;
            } else {
                watches.emplace(id, fresh);
            }
        }
        if (old) asio::post(strand, [old] { old->close(); });
        asio::post(strand, [self = shared_from_this(), fresh] { self->connect(fresh); });
    }

    void unwatch(const std::string& id) {
        std::shared_ptr<Watch> old;
        {
            std::lock_guard lock(map_mutex);
            auto it = watches.find(id);
            if (it == watches.end()) return;
            old = std::move(it->second);
            watches.erase(it);
            old->cancelled = true;
        }
        asio::post(strand, [old] { old->close(); });
    }

    std::size_t size() const {
        std::lock_guard lock(map_mutex);
        return watches.size();
    }

    void stop() {
        std::lock_guard callbacks(gate);
        std::vector<std::shared_ptr<Watch>> all;
        {
            std::lock_guard lock(map_mutex);
            stopped = true;
            for (auto& [id, w] : watches) {
                w->cancelled = true;
                all.push_back(std::move(w));
            }
            watches.clear();
        }
        if (!all.empty())
            asio::post(strand, [all = std::move(all)] {
                for (const auto& w : all) w->close();
            });
    }

    // --- on the strand from here on ---

    void connect(const std::shared_ptr<Watch>& w) {
        if (w->cancelled) return;
        error_code ignored;
        w->socket.close(ignored);
        w->timed_out = false;
        w->deadline_armed = true;
        const auto attempt = ++w->attempt;
        w->timer.expires_after(kConnectDeadline);
        w->timer.async_wait([w, attempt](const error_code& ec) {
            // A deadline that expired just as the attempt finished may still run: ignore it.
            if (ec || w->attempt != attempt || !w->deadline_armed || w->cancelled) return;
            w->timed_out = true;
            w->resolver.cancel();
            error_code ignored;
            w->socket.close(ignored);
        });

        if (w->address.ip_literal) {
            error_code ec;
            const auto ip = asio::ip::make_address(w->address.host, ec);
            if (ec) return lost(w, "bad address " + w->address.host);  // parse_uri accepted it; cannot happen
            connect_to(w, attempt, {tcp::endpoint(ip, w->address.port)});
            return;
        }
        w->resolver.async_resolve(
            w->address.host, std::to_string(w->address.port),
            [self = shared_from_this(), w, attempt](const error_code& ec, const tcp::resolver::results_type& results) {
                if (w->cancelled || w->attempt != attempt) return;
                if (ec || results.empty()) {
                    w->deadline_armed = false;
                    const auto why = w->timed_out ? std::string("timed out") : ec.message();
                    return self->retry(w, "resolve " + w->address.host + ": " + why);
                }
                std::vector<tcp::endpoint> endpoints;
                for (const auto& entry : results) endpoints.push_back(entry.endpoint());
                self->connect_to(w, attempt, std::move(endpoints));
            });
    }

    void connect_to(const std::shared_ptr<Watch>& w, std::uint64_t attempt, std::vector<tcp::endpoint> endpoints) {
        auto shared = std::make_shared<std::vector<tcp::endpoint>>(std::move(endpoints));
        asio::async_connect(w->socket, *shared,
                            [self = shared_from_this(), w, attempt, shared](const error_code& ec, const tcp::endpoint&) {
                                self->on_connect(w, attempt, ec);
                            });
    }

    void on_connect(const std::shared_ptr<Watch>& w, std::uint64_t attempt, const error_code& ec) {
        if (w->cancelled || w->attempt != attempt) return;
        w->deadline_armed = false;
        w->timer.cancel();
        if (w->timed_out) {
            // Silent host: ambiguous. The deadline already spent a second; try again now.
            log::debug("connection watch ", w->id, ": connect to ", w->endpoint, " timed out; retrying");
            return connect(w);
        }
        if (ec) {
            if (definite_connect_error(ec)) return lost(w, "connect to " + w->endpoint + ": " + ec.message());
            return retry(w, "connect to " + w->endpoint + ": " + ec.message());
        }
        if (!w->connected_once) log::debug("connection watch ", w->id, ": watching ", w->endpoint);
        w->connected_once = true;
        w->connected_at = std::chrono::steady_clock::now();
        read(w);
    }

    void read(const std::shared_ptr<Watch>& w) {
        w->socket.async_read_some(asio::buffer(w->buffer), [self = shared_from_this(), w](const error_code& ec,
                                                                                             std::size_t) {
            if (w->cancelled) return;
            // EOF, reset, or bytes the worker never sends unasked: this
            // connection is over. Reconnecting tells an idle timeout (accepted)
            // from a dead process (refused).
            const bool quick = std::chrono::steady_clock::now() - w->connected_at < kShortLived;
            w->quick_closes = quick ? w->quick_closes + 1 : 0;
            log::debug("connection watch ", w->id, ": connection ended (", ec ? ec.message() : "unexpected data",
                       "); reconnecting");
            if (w->quick_closes >= kMaxQuickCloses) {
                w->quick_closes = 0;
                return self->retry(w, "peer closes every connection at once");
            }
            self->connect(w);
        });
    }

    // An ambiguous failure: say nothing, try again in a while.
    void retry(const std::shared_ptr<Watch>& w, const std::string& why) {
        if (w->cancelled) return;
        log::debug("connection watch ", w->id, ": ", why, "; retrying in ", kRetryDelay.count(), " ms");
        error_code ignored;
        w->socket.close(ignored);
        const auto attempt = ++w->attempt;  // stale completions of the last attempt are ignored
        w->timer.expires_after(kRetryDelay);
        w->timer.async_wait([self = shared_from_this(), w, attempt](const error_code& ec) {
            if (ec || w->cancelled || w->attempt != attempt) return;
            self->connect(w);
        });
    }

    void lost(const std::shared_ptr<Watch>& w, const std::string& detail) {
        w->close();
        std::lock_guard callbacks(gate);
        {
            std::lock_guard lock(map_mutex);
            if (stopped || w->cancelled) return;
            auto it = watches.find(w->id);
            if (it == watches.end() || it->second != w) return;
            watches.erase(it);
            w->cancelled = true;
        }
        log::info("connection watch ", w->id, ": lost (", detail, ")");
        if (on_lost) on_lost(w->id, detail);
    }
};

ConnectionWatch::ConnectionWatch(asio::io_context& io, OnLost on_lost)
    : impl_(std::make_shared<Impl>(io, std::move(on_lost))) {
    raise_fd_limit();
}

ConnectionWatch::~ConnectionWatch() { impl_->stop(); }

void ConnectionWatch::watch(const std::string& worker_id, const std::string& endpoint_url) {
    impl_->watch(worker_id, endpoint_url);
}

void ConnectionWatch::unwatch(const std::string& worker_id) { impl_->unwatch(worker_id); }

std::size_t ConnectionWatch::size() const { return impl_->size(); }

}  // namespace fleet::backend
