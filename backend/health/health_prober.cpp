#include "backend/health/health_prober.hpp"

#include "common/log.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <cstdint>
#include <deque>
#include <mutex>
#include <random>
#include <unordered_map>
#include <utility>

namespace fleet::backend {

namespace asio = boost::asio;
namespace json = boost::json;

namespace {

ProbeResult failed(const std::string& worker_id, ProbeOutcome outcome, std::string detail) {
    ProbeResult result;
    result.worker_id = worker_id;
    result.outcome = outcome;
    result.detail = std::move(detail);
    return result;
}

void add_operation(std::vector<std::string>& operations, const json::value& value) {
    if (!value.is_string()) return;
    std::string id(value.get_string());
    if (id.empty() || std::find(operations.begin(), operations.end(), id) != operations.end()) return;
    operations.push_back(std::move(id));
}

std::string health_url(const std::string& endpoint) {
    std::string url = endpoint;
    while (!url.empty() && url.back() == '/') url.pop_back();
    return url + "/health";
}

// One sweep's callbacks and the number of results still to deliver.
struct Sweep {
    std::function<void(ProbeResult)> on_result;
    std::function<void()> on_done;
    std::size_t remaining = 0;
};

struct Pending {
    std::shared_ptr<Sweep> sweep;
    ProbeTarget target;
};

}  // namespace

ProbeResult classify_probe(const std::string& worker_id, const http::ClientResponse& response) {
    using http::ClientError;
    switch (response.error) {
        case ClientError::None: break;
        case ClientError::Refused:
        case ClientError::Closed:
            return failed(worker_id, ProbeOutcome::DefiniteFailure,
                          std::string(http::to_string(response.error)) + ": " + response.error_message);
        default:
            return failed(worker_id, ProbeOutcome::AmbiguousFailure,
                          std::string(http::to_string(response.error)) + ": " + response.error_message);
    }
    if (response.status != 200)
        return failed(worker_id, ProbeOutcome::AmbiguousFailure, "HTTP " + std::to_string(response.status));

    boost::system::error_code ec;
    const json::value body = json::parse(response.body, ec);
    if (ec || !body.is_object())
        return failed(worker_id, ProbeOutcome::AmbiguousFailure, "/health answer is not a JSON object");
    const auto& object = body.get_object();

    const auto* healthy = object.if_contains("healthy");
    if (!healthy || !healthy->is_bool() || !healthy->get_bool())
        return failed(worker_id, ProbeOutcome::AmbiguousFailure, "worker does not report healthy: true");
    const auto* status = object.if_contains("worker_status");
    if (!status || !status->is_string())
        return failed(worker_id, ProbeOutcome::AmbiguousFailure, "worker_status missing or not a string");

    ProbeResult result;
    result.worker_id = worker_id;
    result.outcome = ProbeOutcome::Healthy;
    result.worker_status = std::string(status->get_string());
    if (const auto* current = object.if_contains("current_operation")) add_operation(result.current_operations, *current);
    if (const auto* current = object.if_contains("current_operations"); current && current->is_array())
        for (const auto& id : current->get_array()) add_operation(result.current_operations, id);
    return result;
}

// Locking: `state` guards the queue, the counters and `stopped`; `gate` is held
// while a user callback runs, so the destructor (which takes it) returns only
// once no callback runs and none will. `gate` is recursive so that a callback
// may start a sweep or destroy the prober. Order: gate before state.
struct HealthProber::Impl : std::enable_shared_from_this<Impl> {
    Impl(asio::io_context& io, http::HttpClient& client, std::string token, std::chrono::milliseconds timeout,
         std::size_t max_in_flight)
        : io(io),
          strand(asio::make_strand(io)),
          client(client),
          token(std::move(token)),
          timeout(timeout),
          max_in_flight(std::max<std::size_t>(1, max_in_flight)),
          random(std::random_device{}()) {}

    asio::io_context& io;
    asio::strand<asio::io_context::executor_type> strand;  // jitter timers
    http::HttpClient& client;  // used only while !stopped
    const std::string token;
    const std::chrono::milliseconds timeout;
    const std::size_t max_in_flight;

    std::recursive_mutex gate;
    std::mutex state;
    bool stopped = false;
    std::size_t in_flight = 0;
    std::deque<Pending> ready;  // jitter elapsed, waiting for a slot
    std::mt19937_64 random;
    std::uint64_t next_timer = 0;
    std::unordered_map<std::uint64_t, std::shared_ptr<asio::steady_timer>> timers;

    void sweep(std::vector<ProbeTarget> targets, std::chrono::milliseconds spread,
               std::function<void(ProbeResult)> on_result, std::function<void()> on_done) {
        auto s = std::make_shared<Sweep>();
        s->on_result = std::move(on_result);
        s->on_done = std::move(on_done);
        s->remaining = targets.size();
        if (targets.empty()) {
            asio::post(io, [self = shared_from_this(), s] { self->finish_one(s, nullptr); });
            return;
        }
        std::lock_guard lock(state);
        if (stopped) return;
        const auto spread_us = std::chrono::duration_cast<std::chrono::microseconds>(spread).count();
        for (auto& target : targets) {
            if (spread_us <= 0) {
                ready.push_back(Pending{s, std::move(target)});
                continue;
            }
            std::uniform_int_distribution<std::int64_t> jitter(0, spread_us - 1);
            auto timer = std::make_shared<asio::steady_timer>(strand, std::chrono::microseconds(jitter(random)));
            const auto key = next_timer++;
            timers.emplace(key, timer);
            timer->async_wait([self = shared_from_this(), key, p = Pending{s, std::move(target)}](
                                  const boost::system::error_code& ec) mutable {
                std::lock_guard lock(self->state);
                self->timers.erase(key);
                if (ec || self->stopped) return;
                self->ready.push_back(std::move(p));
                self->pump_locked();
            });
        }
        pump_locked();
    }

    // Starts queued probes while slots are free. Holds `state`.
    void pump_locked() {
        while (!stopped && in_flight < max_in_flight && !ready.empty()) {
            Pending p = std::move(ready.front());
            ready.pop_front();
            ++in_flight;
            http::ClientRequest request;
            request.method = http::Method::Get;
            request.url = health_url(p.target.endpoint_url);
            request.bearer_token = token;
            request.timeout = timeout;
            // send() only posts the exchange; its completion never runs inside this call.
            client.send(std::move(request), [self = shared_from_this(), p = std::move(p)](http::ClientResponse response) {
                {
                    std::lock_guard lock(self->state);
                    --self->in_flight;
                    self->pump_locked();
                }
                auto result = classify_probe(p.target.worker_id, response);
                if (result.outcome != ProbeOutcome::Healthy)
                    log::debug("health probe ", p.target.worker_id, " at ", p.target.endpoint_url, ": ", result.detail);
                self->finish_one(p.sweep, &result);
            });
        }
    }

    // Delivers one result (if any), then on_done after the sweep's last. The
    // count drops only after the result is delivered, so on_done comes last
    // even when several threads deliver at once.
    void finish_one(const std::shared_ptr<Sweep>& s, ProbeResult* result) {
        std::lock_guard callbacks(gate);
        if (result && !is_stopped() && s->on_result) s->on_result(std::move(*result));
        bool last = false;
        {
            std::lock_guard lock(state);
            if (result && s->remaining > 0) --s->remaining;
            last = s->remaining == 0;
        }
        if (last && !is_stopped() && s->on_done) {
            auto done = std::move(s->on_done);
            s->on_done = nullptr;
            done();
        }
    }

    bool is_stopped() {
        std::lock_guard lock(state);
        return stopped;
    }

    void stop() {
        std::lock_guard callbacks(gate);
        std::unordered_map<std::uint64_t, std::shared_ptr<asio::steady_timer>> pending;
        {
            std::lock_guard lock(state);
            stopped = true;
            ready.clear();
            pending.swap(timers);
        }
        // Timers are touched only on their strand.
        if (!pending.empty())
            asio::post(strand, [pending = std::move(pending)] {
                for (auto& [key, timer] : pending) timer->cancel();
            });
    }
};

HealthProber::HealthProber(asio::io_context& io, http::HttpClient& client, std::string token,
                           std::chrono::milliseconds timeout, std::size_t max_in_flight)
    : impl_(std::make_shared<Impl>(io, client, std::move(token), timeout, max_in_flight)) {}

HealthProber::~HealthProber() { impl_->stop(); }

void HealthProber::sweep(std::vector<ProbeTarget> targets, std::chrono::milliseconds spread,
                         std::function<void(ProbeResult)> on_result, std::function<void()> on_done) {
    impl_->sweep(std::move(targets), spread, std::move(on_result), std::move(on_done));
}

}  // namespace fleet::backend
