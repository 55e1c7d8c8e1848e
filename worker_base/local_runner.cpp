#include "worker_base/local_runner.hpp"

#include "common/http/error.hpp"
#include "common/json/fields.hpp"
#include "common/json/text.hpp"
#include "common/run_status.hpp"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <mutex>
#include <thread>

namespace fleet::worker {
namespace {

std::atomic<bool> g_interrupted{false};

extern "C" void on_interrupt(int) { g_interrupted.store(true); }

// The bar in the admin run's words: its status, and its progress capped at 99 until it has finished.
void draw(RunStatus status, const ProgressSnapshot& progress, bool tty) {
    constexpr int kWidth = 30;
    const int percent = run_progress(status, progress.percentage);
    std::string bar(static_cast<std::size_t>(percent * kWidth / 100), '#');
    bar.resize(kWidth, '-');
    std::fprintf(stderr, "%s%-9s [%s] %3d%% %-40.40s", tty ? "\r" : "", std::string(to_string(status)).c_str(),
                 bar.c_str(), percent, progress.current_step.c_str());
    if (!tty) std::fputc('\n', stderr);
    std::fflush(stderr);
}

// The run's outcome as the admin API shows it (GET /api/v1/admin/workers/runs/{id}).
boost::json::object outcome_json(RunStatus status, const ProgressSnapshot& progress, const boost::json::value& result,
                                 const std::string& error_message, SystemTime started, SystemTime finished) {
    return boost::json::object{
        {"status", to_string(status)},
        {"progress", run_progress(status, progress.percentage)},
        {"counters", status == RunStatus::Finished ? result : boost::json::value(nullptr)},
        {"error_message", error_message.empty() ? boost::json::value(nullptr) : boost::json::value(error_message)},
        {"duration_seconds", *run_duration_seconds(started, finished, finished)},
    };
}

}  // namespace

int run_locally(const WorkerType& type, const std::string& parameters_json) {
    PreparedWork work;
    try {
        work = type.prepare(json::parse_object(parameters_json));
    } catch (const http::ApiError& error) {
        std::fprintf(stderr, "fleet-worker: invalid parameters: %s\n", error.what());
        return 2;
    }

    ProgressBridge progress;
    CancellationToken token;
    std::mutex mutex;
    std::condition_variable done_changed;
    bool done = false;
    int code = 0;
    boost::json::value result;
    std::string error_message;

    std::signal(SIGINT, on_interrupt);
    std::signal(SIGTERM, on_interrupt);
    const bool tty = isatty(STDERR_FILENO) != 0;
    const auto& clock = SystemClock::instance();
    draw(RunStatus::Pending, progress.snapshot(), tty);
    const SystemTime started = clock.now();
    progress.start();
    std::thread engine([&] {
        int outcome = 0;
        try {
            result = work.run(progress, token);
        } catch (const OperationCancelled&) {
            outcome = 130;
        } catch (const std::exception& error) {
            error_message = error.what();
            outcome = token.is_cancelled() ? 130 : 1;
        }
        std::lock_guard lock(mutex);
        code = outcome;
        done = true;
        done_changed.notify_all();
    });

    // Redraw a few times a second on a terminal, less often into a log.
    const auto redraw = tty ? std::chrono::milliseconds(100) : std::chrono::milliseconds(1000);
    {
        std::unique_lock lock(mutex);
        while (!done_changed.wait_for(lock, redraw, [&] { return done; })) {
            if (g_interrupted.load()) token.cancel();
            lock.unlock();
            draw(RunStatus::Running, progress.snapshot(), tty);
            lock.lock();
        }
    }
    engine.join();
    const SystemTime finished = clock.now();
    const RunStatus status = code == 0 ? RunStatus::Finished : code == 130 ? RunStatus::Cancelled : RunStatus::Failed;
    const auto snapshot = progress.snapshot();
    draw(status, snapshot, tty);
    if (tty) std::fputc('\n', stderr);
    if (status == RunStatus::Failed) std::fprintf(stderr, "failed: %s\n", error_message.c_str());
    std::cout << json::to_text(outcome_json(status, snapshot, result, error_message, started, finished))
              << std::endl;
    return code;
}

}  // namespace fleet::worker
