#include "worker_base/registrar.hpp"

#include "common/byte_size.hpp"
#include "common/json/text.hpp"
#include "common/log.hpp"
#include "worker_base/backoff.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/json/parse.hpp>

#include <atomic>
#include <cctype>
#include <cstdint>
#include <deque>
#include <optional>
#include <utility>

namespace fleet::worker {

namespace asio = boost::asio;
namespace json = boost::json;
using boost::system::error_code;
using SteadyClock = std::chrono::steady_clock;

namespace {

// Completion notices kept for the next registration when the backend missed them.
constexpr std::size_t kMaxUndelivered = 100;
// A backend that refused batched reports (older than the worker) is asked again after this:
// it may have been upgraded by a restart too quick for the worker to register again.
constexpr std::chrono::minutes kBatchRetry{5};

bool is_success(const http::ClientResponse& response) {
    return response.ok() && response.status >= 200 && response.status < 300;
}

// What went wrong, in the backend's words when it gave any.
std::string describe(const http::ClientResponse& response) {
    if (!response.ok())
        return std::string(http::to_string(response.error)) + ": " + response.error_message;
    std::string text = "HTTP " + std::to_string(response.status);
    error_code ec;
    auto body = json::parse(response.body, ec);
    if (!ec && body.is_object()) {
        if (const auto* error = body.as_object().if_contains("error"); error && error->is_string())
            return text + ": " + std::string(error->as_string());
    }
    return text;
}

// Path segments are plain ids by contract; anything else is escaped rather than trusted.
std::string path_segment(std::string_view id) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : id) {
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || c == ':') {
            out += static_cast<char>(c);
        } else {
            out += '%';
            out += kHex[c >> 4];
            out += kHex[c & 0xF];
        }
    }
    return out;
}

std::int64_t steady_now() { return SteadyClock::now().time_since_epoch().count(); }

// What a registration or a goodbye says of an ended operation: everything but
// its result, so neither grows with what the worker has pending. The result
// goes by its own notice.
json::object summary_of(const json::object& notice) {
    json::object out;
    for (const char* key : {"operation_id", "status", "error_message", "completed_at"})
        if (const auto* value = notice.if_contains(key)) out[key] = *value;
    return out;
}

bool carries_result(const json::object& notice) {
    const auto* result = notice.if_contains("result");
    return result && !result->is_null();
}

// A notice the backend will never take as it is: too large (413), or refused
// for its content. Anything else (no answer, 5xx, a token not yet right) may
// pass later.
bool refused_for_good(const http::ClientResponse& response) {
    if (!response.ok() || response.status < 400 || response.status >= 500) return false;
    return response.status != 401 && response.status != 403 && response.status != 408 && response.status != 429;
}

}  // namespace

struct Registrar::Impl : std::enable_shared_from_this<Impl> {
    Impl(asio::io_context& io, http::HttpClient& client, RegistrarConfig config, BodyProvider body,
         StopOperations on_stop)
        : io(io),
          strand(asio::make_strand(io)),
          client(client),
          config(std::move(config)),
          body(std::move(body)),
          on_stop(std::move(on_stop)),
          backoff(this->config.initial_backoff, this->config.max_backoff),
          retry_timer(strand),
          watchdog_timer(strand) {
        while (!this->config.backend_url.empty() && this->config.backend_url.back() == '/')
            this->config.backend_url.pop_back();
    }

    struct Pending {
        std::uint64_t seq;
        json::object operation;
    };

    asio::io_context& io;
    // All of the registrar's state is touched on this strand only, however
    // many threads run the io_context.
    asio::strand<asio::io_context::executor_type> strand;
    http::HttpClient& client;
    RegistrarConfig config;
    BodyProvider body;
    StopOperations on_stop;

    // Touched only on the strand.
    Backoff backoff;
    asio::steady_timer retry_timer;
    asio::steady_timer watchdog_timer;
    bool started = false;
    bool stopped = false;
    bool in_flight = false;
    std::deque<Pending> undelivered;
    // Completion notices sent and not yet answered; the goodbye waits for them,
    // so a drained worker's last result reaches the backend before it leaves.
    std::size_t notices_in_flight = 0;
    // From the last registration's answer; sent with every notice so the
    // backend can ignore what a superseded instance says (fencing).
    std::string instance_id;
    // When the backend last answered POST /api/v1/operations/events with 404 or 405 (never, or
    // since the last registration: nothing).
    std::optional<SteadyClock::time_point> batch_refused_at;
    std::uint64_t registrations = 0;  // registrations answered so far
    std::function<void()> goodbye;
    std::uint64_t next_seq = 1;
    int failed_registrations = 0;  // in a row

    // Read or written from any thread.
    std::atomic<bool> is_registered{false};
    std::atomic<std::int64_t> last_health{0};
    // Set by ~Registrar: the owner's callbacks may be gone, so call none of them.
    std::atomic<bool> orphaned{false};

    bool active() const { return !stopped && !orphaned.load(); }

    // Sends on the client; the answer is handled on the strand.
    void send(http::ClientRequest req, std::function<void(http::ClientResponse)> then) {
        client.send(std::move(req), [strand = strand, then = std::move(then)](http::ClientResponse response) mutable {
            asio::post(strand, [then = std::move(then), response = std::move(response)]() mutable {
                then(std::move(response));
            });
        });
    }

    http::ClientRequest request(http::Method method, std::string path, std::string payload = {}) const {
        http::ClientRequest r;
        r.method = method;
        r.url = config.backend_url + path;
        r.body = std::move(payload);
        r.bearer_token = config.token;
        r.timeout = config.request_timeout;
        return r;
    }

    void start() {
        if (started || !active()) return;
        started = true;
        if (config.backend_url.empty()) {
            log::info("registrar: no backend URL, running standalone");
            return;
        }
        register_now();
        arm_watchdog();
    }

    void stop() {
        stopped = true;
        retry_timer.cancel();
        watchdog_timer.cancel();
    }

    void register_now() {
        if (in_flight || !active()) return;
        in_flight = true;

        json::object payload = body ? body() : json::object{};
        json::array completed;
        std::uint64_t sent_up_to = 0;
        for (const auto& pending : undelivered) {
            completed.push_back(summary_of(pending.operation));
            sent_up_to = pending.seq;
        }
        payload["completed_operations"] = std::move(completed);

        send(request(http::Method::Post, "/api/v1/workers/register", fleet::json::to_text(payload)),
                    [weak = weak_from_this(), sent_up_to](http::ClientResponse response) {
                        if (auto self = weak.lock()) self->on_registered(std::move(response), sent_up_to);
                    });
    }

    void on_registered(http::ClientResponse response, std::uint64_t sent_up_to) {
        in_flight = false;
        if (orphaned.load()) return;

        if (!is_success(response)) {
            is_registered.store(false);
            if (stopped) return;
            const auto delay = backoff.next();
            ++failed_registrations;
            if (response.ok() && response.status >= 400 && response.status < 500 && response.status != 408 &&
                response.status != 429)
                log::warn("registrar: backend refused registration (", describe(response), "); retrying in ",
                          delay.count(), " ms");
            else
                // Every retry is a WARN: an unregistered worker gets no work, whatever the reason.
                log::warn("registrar: registration failed (", describe(response), "); attempt ", failed_registrations,
                          ", retrying in ", delay.count(), " ms");
            retry_timer.expires_after(delay);
            retry_timer.async_wait([weak = weak_from_this()](const error_code& ec) {
                if (ec) return;
                if (auto self = weak.lock()) self->register_now();
            });
            return;
        }

        backoff.reset();
        failed_registrations = 0;
        // The registration told their ends; results still go, each by its notice.
        std::vector<json::object> results;
        while (!undelivered.empty() && undelivered.front().seq <= sent_up_to) {
            if (carries_result(undelivered.front().operation)) results.push_back(std::move(undelivered.front().operation));
            undelivered.pop_front();
        }
        last_health.store(steady_now());
        is_registered.store(true);

        std::vector<std::string> stop_ids;
        instance_id.clear();
        ++registrations;
        batch_refused_at.reset();  // the backend may have been upgraded meanwhile
        error_code ec;
        auto answer = json::parse(response.body, ec);
        if (!ec && answer.is_object()) {
            const auto& object = answer.as_object();
            if (const auto* id = object.if_contains("instance_id"); id && id->is_string())
                instance_id = std::string(id->as_string());
            if (const auto* ids = object.if_contains("stop_operations"); ids && ids->is_array()) {
                for (const auto& id : ids->as_array())
                    if (id.is_string()) stop_ids.emplace_back(id.as_string());
            }
        }
        log::info("registrar: registered with ", config.backend_url, " as ", config.worker_id,
                  instance_id.empty() ? "" : " (instance ", instance_id, instance_id.empty() ? "" : ")");
        for (auto& operation : results) notify(std::move(operation));
        if (!stop_ids.empty() && on_stop) {
            log::warn("registrar: backend asks to stop ", stop_ids.size(), " operation(s)");
            on_stop(stop_ids);
        }
    }

    void arm_watchdog() {
        if (config.health_interval <= std::chrono::milliseconds::zero() || !active()) return;
        watchdog_timer.expires_after(config.health_interval);
        watchdog_timer.async_wait([weak = weak_from_this()](const error_code& ec) {
            if (ec) return;
            if (auto self = weak.lock()) self->check_health();
        });
    }

    void check_health() {
        if (!active()) return;
        const auto silent = SteadyClock::duration(steady_now() - last_health.load());
        if (is_registered.load() && !in_flight && silent > 3 * config.health_interval) {
            log::warn("registrar: no health check for ",
                      std::chrono::duration_cast<std::chrono::milliseconds>(silent).count(),
                      " ms; registering again");
            is_registered.store(false);
            backoff.reset();
            register_now();
        }
        arm_watchdog();
    }

    void keep_undelivered(json::object operation) {
        undelivered.push_back(Pending{next_seq++, std::move(operation)});
        while (undelivered.size() > kMaxUndelivered) undelivered.pop_front();
    }

    // Progress while it runs: best effort, never retried (the next round, or
    // the end, says more); only while registered. Many operations go in one
    // POST /api/v1/operations/events; a backend without that route (404 or
    // 405: older than this worker) gets one notice per operation until the
    // worker registers again, or kBatchRetry has passed.
    void notify_progress(json::array operations) {
        if (config.backend_url.empty() || !active() || !is_registered.load() || operations.empty()) return;
        for (auto& operation : operations)
            if (!instance_id.empty() && operation.is_object()) operation.as_object()["instance_id"] = instance_id;
        if (batch_refused_at && SteadyClock::now() - *batch_refused_at < kBatchRetry)
            return notify_progress_one_by_one(std::move(operations));
        auto body = fleet::json::to_text(json::object{{"events", operations}});
        send(request(http::Method::Post, "/api/v1/operations/events", std::move(body)),
             [weak = weak_from_this(), sent_in = registrations,
              operations = std::move(operations)](http::ClientResponse response) mutable {
                 auto self = weak.lock();
                 // Registered again since (the reports name the old instance), stopped or orphaned: dropped.
                 if (!self || !self->active() || !self->is_registered.load() || self->registrations != sent_in) return;
                 if (response.ok() && (response.status == 404 || response.status == 405)) {
                     if (!self->batch_refused_at)
                         log::info("registrar: the backend takes no batched reports (HTTP ", response.status,
                                   "); progress goes one operation a request");
                     self->batch_refused_at = SteadyClock::now();
                     return self->notify_progress_one_by_one(std::move(operations));
                 }
                 if (!is_success(response))
                     log::debug("registrar: progress of ", operations.size(), " operation(s) not taken (",
                                describe(response), ")");
             });
    }

    void notify_progress_one_by_one(json::array operations) {
        for (const auto& operation : operations) {
            const auto* value = operation.is_object() ? operation.get_object().if_contains("operation_id") : nullptr;
            if (!value || !value->is_string()) continue;
            const std::string id(value->as_string());
            send(request(http::Method::Post, "/api/v1/operations/" + path_segment(id) + "/events",
                         fleet::json::to_text(operation)),
                 [id](http::ClientResponse response) {
                     if (!is_success(response))
                         log::debug("registrar: progress of ", id, " not taken (", describe(response), ")");
                 });
        }
    }

    void notify(json::object operation) {
        if (config.backend_url.empty() || orphaned.load()) return;
        std::string id;
        if (const auto* value = operation.if_contains("operation_id"); value && value->is_string())
            id = std::string(value->as_string());
        if (id.empty()) {
            log::warn("registrar: completion notice without operation_id dropped");
            return;
        }
        if (!instance_id.empty()) operation["instance_id"] = instance_id;
        else operation.erase("instance_id");
        auto req = request(http::Method::Post, "/api/v1/operations/" + path_segment(id) + "/events",
                           fleet::json::to_text(operation));
        const std::size_t size = req.body.size();
        ++notices_in_flight;
        send(std::move(req), [weak = weak_from_this(), id, size, operation = std::move(operation)](
                                 http::ClientResponse response) mutable {
            auto self = weak.lock();
            if (!self) return;
            if (is_success(response)) {
                log::debug("registrar: backend told that ", id, " ended");
            } else if (refused_for_good(response)) {
                self->refused(std::move(operation), size, response);
            } else {
                log::warn("registrar: could not tell the backend that ", id, " ended (", describe(response),
                          "); it goes with the next registration");
                self->keep_undelivered(std::move(operation));
            }
            if (--self->notices_in_flight == 0 && self->goodbye) std::exchange(self->goodbye, {})();
        });
    }

    // Sending it again would be refused again. A result the backend cannot
    // take fails the operation there, with why; any other refusal is final.
    void refused(json::object operation, std::size_t size, const http::ClientResponse& response) {
        const std::string id(operation.at("operation_id").as_string());
        if (response.status != 413 || !carries_result(operation)) {
            log::warn("registrar: the backend refused the notice that ", id, " ended (", describe(response),
                      "); dropped");
            return;
        }
        const std::string why = "result could not be delivered: the completion notice of " + describe_bytes(size) +
                                " exceeds the backend's limit (" + describe(response) + ")";
        log::warn("registrar: operation ", id, ": ", why);
        json::object failed = summary_of(operation);
        failed["status"] = "failed";
        failed["error_message"] = why;
        notify(std::move(failed));
    }

    void deregister(std::function<void()> done) {
        stop();
        if (config.backend_url.empty()) {
            if (done) done();
            return;
        }
        is_registered.store(false);
        // The goodbye waits for the notices under way, then gives what the
        // backend missed one more try; what still fails is named in it.
        then_when_no_notice_is_out([weak = weak_from_this(), done = std::move(done)]() mutable {
            auto self = weak.lock();
            if (!self) return;
            for (auto& pending : std::exchange(self->undelivered, {})) self->notify(std::move(pending.operation));
            self->then_when_no_notice_is_out([weak = self->weak_from_this(), done = std::move(done)]() mutable {
                if (auto again = weak.lock()) again->send_goodbye(std::move(done));
            });
        });
    }

    void then_when_no_notice_is_out(std::function<void()> next) {
        if (notices_in_flight > 0) goodbye = std::move(next);
        else next();
    }

    void send_goodbye(std::function<void()> done) {
        json::array completed;
        for (const auto& pending : undelivered) completed.push_back(summary_of(pending.operation));
        const std::string body =
            completed.empty() ? std::string() : fleet::json::to_text(json::object{{"completed_operations", std::move(completed)}});
        send(request(http::Method::Delete, "/api/v1/workers/" + path_segment(config.worker_id), body),
                    [id = config.worker_id, done = std::move(done)](http::ClientResponse response) {
                        if (is_success(response))
                            log::info("registrar: deregistered ", id);
                        else
                            log::warn("registrar: deregistration of ", id, " failed (", describe(response), ")");
                        if (done) done();
                    });
    }
};

Registrar::Registrar(asio::io_context& io, http::HttpClient& client, RegistrarConfig config, BodyProvider body,
                     StopOperations on_stop)
    : impl_(std::make_shared<Impl>(io, client, std::move(config), std::move(body), std::move(on_stop))) {}

Registrar::~Registrar() {
    impl_->orphaned.store(true);
    // Timers are cancelled on the io_context; the Impl dies there with the last callback.
    asio::post(impl_->strand, [impl = impl_] { impl->stop(); });
}

void Registrar::start() {
    asio::post(impl_->strand, [impl = impl_] { impl->start(); });
}

void Registrar::stop() {
    asio::post(impl_->strand, [impl = impl_] { impl->stop(); });
}

void Registrar::note_health_check() { impl_->last_health.store(steady_now()); }

void Registrar::notify_completion(json::object operation) {
    asio::post(impl_->strand, [impl = impl_, operation = std::move(operation)]() mutable {
        impl->notify(std::move(operation));
    });
}

void Registrar::notify_progress(json::array operations) {
    asio::post(impl_->strand, [impl = impl_, operations = std::move(operations)]() mutable {
        impl->notify_progress(std::move(operations));
    });
}

void Registrar::deregister(std::function<void()> done) {
    if (impl_->config.backend_url.empty()) {
        if (done) done();
        return;
    }
    asio::post(impl_->strand, [impl = impl_, done = std::move(done)]() mutable { impl->deregister(std::move(done)); });
}

bool Registrar::registered() const { return impl_->is_registered.load(); }

}  // namespace fleet::worker
