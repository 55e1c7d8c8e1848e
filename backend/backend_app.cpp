#include "backend/backend_app.hpp"

#include "backend/admin/admin_runs.hpp"
#include "backend/api/admin_routes.hpp"
#include "backend/api/event_routes.hpp"
#include "backend/api/responses.hpp"
#include "backend/api/routes.hpp"
#include "backend/api/schedule_routes.hpp"
#include "backend/api/web_routes.hpp"
#include "backend/api/workflow_routes.hpp"
#include "backend/core/admission.hpp"
#include "backend/core/core_executor.hpp"
#include "backend/core/core_timers.hpp"
#include "backend/core/event_bus.hpp"
#include "backend/dispatch/dispatcher.hpp"
#include "backend/dispatch/restart_hold.hpp"
#include "backend/dispatch/worker_client.hpp"
#include "backend/events/event_feed.hpp"
#include "backend/events/event_history.hpp"
#include "backend/events/status_waits.hpp"
#include "backend/health/connection_watch.hpp"
#include "backend/health/health_monitor.hpp"
#include "backend/health/health_prober.hpp"
#include "backend/metrics.hpp"
#include "backend/operations/finished_cache.hpp"
#include "backend/operations/operation_book.hpp"
#include "backend/operations/operation_proxy.hpp"
#include "backend/operations/operation_telemetry.hpp"
#include "backend/operations/retention.hpp"
#include "backend/operations/retention_sweeper.hpp"
#include "backend/registry/registration_service.hpp"
#include "backend/registry/worker_drain.hpp"
#include "backend/registry/registry.hpp"
#include "backend/storage/admin_run_repository.hpp"
#include "backend/storage/database.hpp"
#include "backend/storage/operation_repository.hpp"
#include "backend/storage/reader_thread.hpp"
#include "backend/storage/worker_repository.hpp"
#include "backend/schedules/scheduler.hpp"
#include "backend/storage/schedule_repository.hpp"
#include "backend/storage/workflow_repository.hpp"
#include "backend/workflows/workflow_engine.hpp"
#include "common/http/listen_address.hpp"
#include "common/http/server.hpp"
#include "common/http/tls_reload.hpp"
#include "common/ready_file.hpp"
#include "common/log.hpp"
#include "workers/worker_types.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include <algorithm>
#include <future>
#include <thread>

namespace fleet::backend {
namespace asio = boost::asio;

namespace {

// How many new starts the core takes before it goes round its other work.
constexpr std::size_t kStartsPerTurn = 2;
// While operations wait for workers, starts get at most this share of the core's time.
constexpr double kStartShareWhileBacklogged = 0.1;
// While the core is busy, group commits at most this often (CommitPacer).
constexpr std::chrono::microseconds kCommitInterval{300};
// An event stream with nothing to send gets a comment this often.
constexpr std::chrono::seconds kKeepAlive{15};

// Event ids start at the start time in microseconds: a restarted backend's
// ids are larger than any it gave before, so an old Last-Event-ID is a gap.
std::uint64_t first_event_id() {
    return static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::microseconds>(SystemClock::instance().now().time_since_epoch()).count());
}

class BackendProcess {
public:
    explicit BackendProcess(const BackendConfig& config)
        : config_(config),
          io_(static_cast<int>(std::max<std::size_t>(config.io_threads, 1))),
          core_(config.io_threads == 0 ? io_ : own_core_),
          database_(config.db),
          executor_(core_, database_),
          worker_repository_(database_),
          operation_repository_(database_),
          events_([this](std::function<void()> then) { executor_.post_after_next_commit(std::move(then)); }),
          registry_(worker_repository_, SystemClock::instance(), events_),
          operations_(operation_repository_, SystemClock::instance(), events_),
          client_(io_, 64, config.tls.client),
          workers_(core_, client_, config.token, worker_message_limit(config)),
          timers_(core_, SystemClock::instance()),
          dispatcher_(registry_, operations_, workers_, executor_, metrics_, SystemClock::instance(),
                      config.max_worker_losses),
          watch_(io_, [this](const std::string& id, const std::string& detail) { monitor_.connection_lost(id, detail); }),
          registrations_(registry_, operations_, dispatcher_, watch_, SystemClock::instance()),
          restart_hold_(registry_, operations_, workers_, dispatcher_),
          reader_(database_, core_),
          proxy_(operations_, operation_repository_, registry_, workers_, dispatcher_, executor_, timers_, reader_,
                 metrics_, SystemClock::instance(), {config.cache_ttl, config.unknown_grace}),
          admin_run_repository_(database_),
          admin_runs_(dispatcher_, proxy_, operations_, admin_run_repository_, events_, executor_,
                      SystemClock::instance(), admin_settings(config)),
          workflow_repository_(database_),
          workflows_(dispatcher_, proxy_, operations_, workflow_repository_, database_, events_, executor_, timers_,
                     metrics_, SystemClock::instance()),
          schedule_repository_(database_),
          scheduler_(workflows_, schedule_repository_, database_, events_, timers_, metrics_, SystemClock::instance()),
          prober_(io_, client_, config.token, config.health_timeout, config.probe_concurrency),
          monitor_(executor_, timers_, registry_, dispatcher_, proxy_, prober_, watch_, metrics_, SystemClock::instance(),
                   config.health_interval, {config.failure_threshold, config.remove_after}),
          sweeper_(core_, timers_, database_, operation_repository_, finished_, SystemClock::instance(), config.retention,
                   kRetentionBatch),
          server_(io_, server_config(config), router_.handler()),
          signals_(control_, SIGINT, SIGTERM) {
        add_routes(router_, routes_);
        add_admin_routes(router_, executor_, admin_runs_, waits_, workers::all_worker_types());
        add_workflow_routes(router_, executor_, workflows_, waits_);
        add_event_routes(router_, history_, stream_limits_);
        add_schedule_routes(router_, executor_, scheduler_, SystemClock::instance());
        add_web_routes(router_);
        sweeper_.also_sweep([this](SystemTime cutoff, std::size_t limit) {
            return workflow_repository_.delete_settled_before(cutoff, limit);
        });
        sweeper_.also_sweep([this](SystemTime cutoff, std::size_t limit) {
            return schedule_repository_.delete_skips_before(cutoff, limit);
        });
        executor_.group_commits(kCommitInterval);
        // Heard after the commit: readers of the cache see only what is written.
        events_.subscribe<OperationEnded>([this](const OperationEnded& ended) {
            finished_.ended(ended.operation);
        });
    }

    int run() {
        registry_.load();
        operations_.load();
        dispatcher_.restore_assignments();
        admin_runs_.load();
        workflows_.load();
        scheduler_.load();
        const std::uint16_t port = server_.listen();
        log::info("fleet-backend listening on port ", port, " (db ", config_.db, ", ", registry_.all().size(),
                  " workers and ", operations_.queue_depth(), " queued operations on file; HTTP on ",
                  config_.io_threads == 0 ? std::string("the core thread")
                                          : std::to_string(config_.io_threads) + " I/O thread(s), the core on its own",
                  ")");
        if (!config_.ready_file.empty()) write_ready_file(config_.ready_file, port,
                             std::string(config_.tls.server ? "https://" : "http://") +
                                 http::local_address_of(config_.host) + ":" + std::to_string(port));

        // A line or two for every operation: written together, behind the work queued on the core.
        const auto gather_log_lines = [this] {
            log::gather_lines_on_this_thread(
                [this](std::function<void()> write) { asio::post(core_, std::move(write)); });
        };
        const bool one_thread = &core_ == &io_;
        auto core_work = asio::make_work_guard(own_core_);
        std::thread core_thread;
        if (one_thread) gather_log_lines();
        else core_thread = std::thread([this, gather_log_lines] {
            gather_log_lines();
            core_.run();
        });
        executor_.post([this] {
            for (auto* worker : registry_.all()) watch_.watch(worker->worker_id, worker->endpoint_url);
            dispatcher_.resend_unanswered_starts();
            restart_hold_.ask([this] { dispatcher_.release_queue(); });
            workflows_.resume_all();
            scheduler_.start();
        });
        monitor_.start();
        sweeper_.start();
        keep_streams_alive();

        signals_.async_wait([this](const boost::system::error_code& ec, int signal) {
            if (ec) return;
            log::info("received signal ", signal, ": shutting down in ", config_.shutdown_grace.count(),
                      " ms (registrations get 503; a second signal stops at once)");
            executor_.post([this] {
                dispatcher_.set_shutting_down();
                registrations_.set_shutting_down();
            });
            monitor_.stop();
            sweeper_.stop();
            shutdown_timer_.expires_after(config_.shutdown_grace);
            shutdown_timer_.async_wait([this](const boost::system::error_code& timer_ec) {
                if (!timer_ec) stop_serving();
            });
            signals_.async_wait([this](const boost::system::error_code& again, int) {
                if (!again) stop_serving();
            });
        });
        std::vector<std::thread> extra;
        for (std::size_t i = 1; i < config_.io_threads; ++i) extra.emplace_back([this] { io_.run(); });
        io_.run();
        for (auto& thread : extra) thread.join();

        if (one_thread) {
            // The thread stopped serving: core work still queued goes with the connections it
            // would have answered (none of it was acknowledged; a worker's notice is sent again, a
            // claimed start is sent again at the next start); what was written is committed now.
            log::gather_lines_on_this_thread({});  // what is gathered is written now, the rest at once
            timers_.stop();
            database_.commit_all();
            log::info("fleet-backend stopped");
            return 0;
        }
        // Let the core finish what it holds (it writes to SQLite), then stop it.
        std::promise<void> drained;
        executor_.post([&] {
            timers_.stop();
            database_.commit_all();
            drained.set_value();
        });
        drained.get_future().wait();
        core_work.reset();
        core_.stop();
        core_thread.join();
        log::info("fleet-backend stopped");
        return 0;
    }

private:
    // Every stream with nothing to say gets a comment now and then, so proxies
    // keep it and a client that left is noticed.
    void keep_streams_alive() {
        keep_alive_timer_.expires_after(kKeepAlive);
        keep_alive_timer_.async_wait([this](const boost::system::error_code& ec) {
            if (ec) return;
            history_.tick(SystemClock::instance().now());
            keep_streams_alive();
        });
    }

    // Runs `work` on the I/O threads after `delay` (at once when it is zero).
    void run_later(std::chrono::microseconds delay, std::function<void()> work) {
        if (delay <= std::chrono::microseconds::zero()) {
            asio::post(io_, std::move(work));
            return;
        }
        auto timer = std::make_shared<asio::steady_timer>(io_, delay);
        timer->async_wait([timer, work = std::move(work)](const boost::system::error_code&) { work(); });
    }

    void stop_serving() {
        keep_alive_timer_.cancel();
        shutdown_timer_.cancel();
        signals_.cancel();
        tls_reload_.stop();
        server_.stop();
        io_.stop();
    }

    static AdminRuns::Settings admin_settings(const BackendConfig& config) {
        AdminRuns::Settings settings;
        settings.strict_overlap = config.strict_overlap;
        return settings;
    }

    static http::ServerConfig server_config(const BackendConfig& config) {
        http::ServerConfig server;
        server.host = config.host;
        server.port = config.port;
        server.io_threads = config.io_threads;
        server.max_connections = config.max_connections;
        server.tls = config.tls.server;
        // What carries a worker's result may be as large as the result (plus its envelope).
        server.body_limit_for = [limit = worker_message_limit(config),
                                 default_limit = server.body_limit](std::string_view path) {
            const bool carries_result = path == "/api/v1/workers/register" ||
                                        (path.starts_with("/api/v1/operations/") && path.ends_with("/events"));
            return carries_result ? limit : default_limit;
        };
        return server;
    }

    const BackendConfig& config_;
    asio::io_context io_;
    asio::io_context own_core_{1};  // the core thread's, unless it serves HTTP too
    // Where the core's work runs: its own thread, or with --io-threads 0 the one thread that serves HTTP.
    asio::io_context& core_;
    Database database_;
    CoreExecutor executor_;
    WorkerRepository worker_repository_;
    OperationRepository operation_repository_;
    EventBus events_;
    Registry registry_;
    OperationBook operations_;
    BackendMetrics metrics_;
    OperationTelemetry telemetry_{events_, metrics_.domains()};
    FinishedCache finished_{finished_answer};
    http::HttpClient client_;
    HttpWorkerClient workers_;
    CoreTimers timers_;
    Admission admission_{core_, kStartsPerTurn,
                         {[this] { return operations_.queue_depth() > 0; }, kStartShareWhileBacklogged}};
    Dispatcher dispatcher_;
    ConnectionWatch watch_;
    RegistrationService registrations_;
    RestartHold restart_hold_;
    WorkerDrain drains_{registry_, workers_};
    ReaderThread reader_;
    OperationProxy proxy_;
    AdminRunRepository admin_run_repository_;
    AdminRuns admin_runs_;
    WorkflowRepository workflow_repository_;
    WorkflowEngine workflows_;
    ScheduleRepository schedule_repository_;
    Scheduler scheduler_;
    EventHistory history_{{.max_events = config_.event_history}, first_event_id(), SystemClock::instance(),
                          [this](std::chrono::microseconds delay, std::function<void()> wake) { run_later(delay, std::move(wake)); }};
    StatusWaits waits_{timers_};
    EventFeed feed_{events_, history_, waits_, timers_, SystemClock::instance(),
                    [this](const std::string& id) { return admin_runs_.active_bot(id); }};
    EventStreamLimits stream_limits_{config_.max_event_streams};
    HealthProber prober_;
    HealthMonitor monitor_;
    RetentionSweeper sweeper_;
    RouteTargets routes_{executor_,   admission_, dispatcher_, registrations_,         proxy_,
                         registry_,   operations_, operation_repository_, finished_, metrics_,
                         workflows_,  drains_,    waits_,      SystemClock::instance(), config_.token};
    http::Router router_;
    http::HttpServer server_;
    // Signals (SIGHUP's TLS reload too) and the shutdown and keep-alive timers live on this strand: with several I/O
    // threads, a grace timer's stop_serving() would otherwise cancel the keep-alive timer while
    // another thread re-arms it (or race a second signal's stop_serving()).
    asio::strand<asio::io_context::executor_type> control_{asio::make_strand(io_)};
    asio::signal_set signals_;
    http::TlsReloadOnHangup tls_reload_{control_, config_.tls};
    asio::steady_timer shutdown_timer_{control_};
    asio::steady_timer keep_alive_timer_{control_};
};

}  // namespace

int run_backend(const BackendConfig& config) {
    log::set_level(config.log_level);
    log::set_format(config.log_format);
    try {
        BackendProcess process(config);
        return process.run();
    } catch (const std::exception& error) {
        log::error("fleet-backend failed: ", error.what());
        return 1;
    }
}

}  // namespace fleet::backend
