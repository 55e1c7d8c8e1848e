#include "worker_base/worker_app.hpp"

#include "common/http/client.hpp"
#include "common/http/listen_address.hpp"
#include "common/http/server.hpp"
#include "common/http/tls_reload.hpp"
#include "common/log.hpp"
#include "common/ready_file.hpp"
#include "common/version.hpp"
#include "worker_base/operation_json.hpp"
#include "worker_base/operations_service.hpp"
#include "worker_base/progress_reporter.hpp"
#include "worker_base/registrar.hpp"
#include "worker_base/run_log.hpp"
#include "worker_base/worker_api_base.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/json/value_from.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>

#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <thread>

namespace fleet::worker {
namespace asio = boost::asio;

namespace {

// After the drain timeout cancels the work, how long engines get to notice.
constexpr std::chrono::seconds kCancelGrace{5};

std::string host_name() {
    char name[256] = {};
    if (gethostname(name, sizeof name - 1) != 0 || name[0] == '\0') return "localhost";
    return name;
}

class WorkerProcess {
public:
    WorkerProcess(const WorkerConfig& config, const WorkerType& type)
        : config_(config),
          type_(type),
          engines_(config.max_concurrent),
          operations_(type.type, config.max_concurrent, config.history_limit),
          api_(type, operations_, [this](std::function<void()> task) { asio::post(engines_, std::move(task)); },
               config.token, config.max_result_bytes),
          server_(io_, server_config(config), router_.handler()),
          client_(io_, 8, config.tls.client),
          lifecycle_(asio::make_strand(io_)),
          signals_(lifecycle_, SIGINT, SIGTERM),
          drain_timer_(lifecycle_) {
        api_.add_routes(router_);
        if (!config.run_log.empty()) {
            run_log_ = std::make_unique<RunLog>(config.run_log);
            api_.set_run_log(run_log_.get());
        }
    }

    int run() {
        const std::uint16_t port = server_.listen();
        const std::string hostname = host_name();
        const std::string reachable_host = http::is_wildcard_address(config_.host) ? hostname : config_.host;
        const std::string scheme = config_.tls.server ? "https://" : "http://";
        advertise_url_ = config_.advertise_url.value_or(scheme + reachable_host + ":" + std::to_string(port));
        worker_id_ = config_.worker_id.value_or(type_.type + "-" + hostname + "-" + std::to_string(port));
        api_.set_worker_id(worker_id_);
        // Before any thread but this one logs: every JSON line says which worker wrote it.
        log::set_process_fields({{"worker_id", worker_id_, true}});

        RegistrarConfig registrar_config;
        registrar_config.backend_url = config_.backend_url;
        registrar_config.token = config_.token;
        registrar_config.worker_id = worker_id_;
        registrar_config.health_interval = config_.health_interval;
        registrar_ = std::make_unique<Registrar>(
            io_, client_, registrar_config, [this] { return registration_body(); },
            [this](const std::vector<std::string>& ids) {
                for (const auto& id : ids) {
                    log::warn("backend asked to stop an operation", log::field("operation_id", id));
                    operations_.cancel(id);
                }
            });
        api_.on_health_check([registrar = registrar_.get()] { registrar->note_health_check(); });
        api_.on_drain_request([this] {
            asio::post(lifecycle_, [this] {
                if (draining_) return;
                log::info("drain requested over HTTP");
                begin_drain();
            });
        });
        operations_.on_finished([this](const OperationView& operation) {
            if (!operation.end_in_start_answer) registrar_->notify_completion(to_json(operation));
            // begin_drain checks once itself, so only an end while draining needs a look.
            if (operations_.draining()) asio::post(lifecycle_, [this] { finish_if_drained(); });
        });

        // Scripts and tests read this line to learn the port.
        log::info("fleet-worker ", type_.type, " listening on port ", port, " as ", worker_id_, " (", advertise_url_,
                  ", domain /", type_.domain, "/start)");
        if (!config_.ready_file.empty()) write_ready_file(config_.ready_file, port, advertise_url_);
        registrar_->start();
        progress_.start();
        wait_for_signal();

        std::vector<std::thread> extra;
        for (std::size_t i = 1; i < config_.io_threads; ++i) extra.emplace_back([this] { io_.run(); });
        io_.run();
        for (auto& thread : extra) thread.join();

        if (!operations_.active_ids().empty()) {
            // An engine that ignores its token must not keep the process alive.
            log::error("an operation did not stop after cancellation; exiting anyway");
            std::fflush(stderr);
            std::_Exit(0);
        }
        engines_.join();
        log::info("fleet-worker ", worker_id_, " stopped");
        return 0;
    }

private:
    static http::ServerConfig server_config(const WorkerConfig& config) {
        http::ServerConfig server;
        server.host = config.host;
        server.port = config.port;
        server.read_timeout = config.read_timeout;
        server.io_threads = config.io_threads;
        server.max_connections = config.max_connections;
        server.tls = config.tls.server;
        return server;
    }

    boost::json::object registration_body() const {
        const auto active = operations_.active_ids();
        return boost::json::object{
            {"worker_id", worker_id_},
            {"worker_type", type_.type},
            {"domain", type_.domain},
            {"endpoint_url", advertise_url_},
            {"capabilities", config_.capabilities},
            {"max_concurrent", config_.max_concurrent},
            {"version", fleet::version()},
            {"current_operation_id", active.empty() ? boost::json::value(nullptr) : boost::json::value(active.front())},
            {"current_operation_ids", boost::json::value_from(active)},
        };
    }

    void wait_for_signal() {
        signals_.async_wait([this](const boost::system::error_code& ec, int signal) {
            if (ec) return;
            log::info("received signal ", signal);
            if (draining_) {
                log::warn("second signal: cancelling running work now");
                operations_.cancel_all();
                drain_timer_.expires_after(kCancelGrace);
                drain_timer_.async_wait([this](const boost::system::error_code& e) { if (!e) finish(); });
            } else {
                begin_drain();
            }
            wait_for_signal();
        });
    }

    void begin_drain() {
        draining_ = true;
        operations_.set_draining();
        const auto active = operations_.active_ids();
        log::info("draining: ", active.size(), " operation(s) running, waiting up to ",
                  config_.drain_timeout.count(), " ms");
        drain_timer_.expires_after(config_.drain_timeout);
        drain_timer_.async_wait([this](const boost::system::error_code& ec) {
            if (ec) return;
            log::warn("drain timeout: cancelling running work");
            operations_.cancel_all();
            drain_timer_.expires_after(kCancelGrace);
            drain_timer_.async_wait([this](const boost::system::error_code& e) { if (!e) finish(); });
        });
        finish_if_drained();
    }

    void finish_if_drained() {
        if (draining_ && operations_.active_ids().empty()) finish();
    }

    void finish() {
        if (finishing_) return;
        finishing_ = true;
        drain_timer_.cancel();
        registrar_->deregister([this] {
            asio::post(lifecycle_, [this] {
                progress_.stop();
                registrar_->stop();
                server_.stop();
                signals_.cancel();
                tls_reload_.stop();
                io_.stop();
            });
        });
    }

    const WorkerConfig& config_;
    const WorkerType& type_;
    asio::io_context io_{static_cast<int>(config_.io_threads)};
    asio::thread_pool engines_;
    OperationsService operations_;
    std::unique_ptr<RunLog> run_log_;  // --run-log, when given
    WorkerApiBase api_;
    http::Router router_;
    http::HttpServer server_;
    http::HttpClient client_;
    std::unique_ptr<Registrar> registrar_;
    ProgressReporter progress_{io_, operations_, [this](boost::json::array operations) {
                                   registrar_->notify_progress(std::move(operations));
                               }};
    // Signals (SIGHUP's TLS reload too), the drain timer and the drain state live on this strand.
    asio::strand<asio::io_context::executor_type> lifecycle_;
    asio::signal_set signals_;
    http::TlsReloadOnHangup tls_reload_{lifecycle_, config_.tls};
    asio::steady_timer drain_timer_;
    std::string advertise_url_;
    std::string worker_id_;
    bool draining_ = false;
    bool finishing_ = false;
};

}  // namespace

int run_worker(const WorkerConfig& config, const WorkerType& type) {
    log::set_level(config.log_level);
    log::set_format(config.log_format);
    try {
        WorkerProcess process(config, type);
        return process.run();
    } catch (const std::exception& error) {
        log::error("fleet-worker failed: ", error.what());
        return 1;
    }
}

}  // namespace fleet::worker
