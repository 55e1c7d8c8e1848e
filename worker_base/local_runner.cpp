#include "worker_base/local_runner.hpp"

#include "common/http/error.hpp"
#include "common/json/fields.hpp"
#include "common/json/text.hpp"

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

void draw(const ProgressSnapshot& progress, bool tty) {
    constexpr int kWidth = 30;
    const int filled = static_cast<int>(progress.percentage / 100.0 * kWidth);
    std::string bar(static_cast<std::size_t>(filled), '#');
    bar.resize(kWidth, '-');
    std::fprintf(stderr, "%s[%s] %5.1f%% %-40.40s", tty ? "\r" : "", bar.c_str(), progress.percentage,
                 progress.current_step.c_str());
    if (!tty) std::fputc('\n', stderr);
    std::fflush(stderr);
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

    const bool tty = isatty(STDERR_FILENO) != 0;
    // Redraw a few times a second on a terminal, less often into a log.
    const auto redraw = tty ? std::chrono::milliseconds(100) : std::chrono::milliseconds(1000);
    {
        std::unique_lock lock(mutex);
        while (!done_changed.wait_for(lock, redraw, [&] { return done; })) {
            if (g_interrupted.load()) token.cancel();
            lock.unlock();
            draw(progress.snapshot(), tty);
            lock.lock();
        }
    }
    engine.join();
    draw(progress.snapshot(), tty);
    if (tty) std::fputc('\n', stderr);

    if (code == 0) {
        std::cout << json::to_text(result) << std::endl;
    } else if (code == 130) {
        std::fprintf(stderr, "cancelled\n");
    } else {
        std::fprintf(stderr, "failed: %s\n", error_message.c_str());
    }
    return code;
}

}  // namespace fleet::worker
