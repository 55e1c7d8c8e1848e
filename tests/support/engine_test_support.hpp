#pragma once

#include "common/http/error.hpp"
#include "tests/support/wait.hpp"
#include "worker_base/cancellation.hpp"
#include "worker_base/progress_bridge.hpp"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <random>
#include <sstream>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

// Helpers shared by the worker engine unit tests.
namespace fleet::test {

// A fresh directory under the system temp dir, removed with everything in it.
class TempDir {
public:
    TempDir() {
        static std::atomic<int> counter{0};
        path_ = std::filesystem::temp_directory_path() /
                ("fleet_engine_test_" + std::to_string(std::random_device{}()) + "_" + std::to_string(counter++));
        std::filesystem::create_directories(path_);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }

    std::filesystem::path write(const std::string& name, const std::string& content) const {
        const auto file = path_ / name;
        std::ofstream(file, std::ios::binary) << content;
        return file;
    }
    const std::filesystem::path& path() const { return path_; }

private:
    std::filesystem::path path_;
};

// The whole content of a file an engine wrote; empty when there is none.
inline std::string read_file(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

// `parse(body)` must throw an ApiError 400 whose message names `field`.
template <typename Parse>
void check_bad_request(Parse parse, const boost::json::object& body, const std::string& field) {
    try {
        parse(body);
        FAIL("no ApiError for " << boost::json::serialize(body));
    } catch (const http::ApiError& e) {
        CHECK(e.status() == 400);
        CHECK_THAT(e.what(), Catch::Contains(field));
    }
}

// The run's progress ended at 100 % with exactly one `metric` recorded, worth `value`.
inline void check_finished_with_one_metric(const worker::ProgressBridge& progress, std::string_view metric,
                                           double value) {
    CHECK(progress.snapshot().percentage == Approx(100));
    const auto metrics = progress.metrics_after(0, 100).metrics;
    REQUIRE(metrics.size() == 1);
    CHECK(metrics[0].name == metric);
    CHECK(metrics[0].value == Approx(value));
}

// Declared after the future of a run: cancels it on scope exit, before the
// future's destructor waits, so a failed REQUIRE never waits out a long run.
struct CancelOnExit {
    worker::CancellationToken token;
    ~CancelOnExit() { token.cancel(); }
};

// Starts `run` (which reports to `progress` and watches `token`) on another
// thread, cancels `token` once progress shows, and requires the run to end in
// OperationCancelled within `stop_within`, short of 100 %.
template <typename Run>
void cancel_once_started(Run run, const worker::ProgressBridge& progress, const worker::CancellationToken& token,
                         std::chrono::milliseconds start_within, std::chrono::milliseconds stop_within) {
    auto running = std::async(std::launch::async, std::move(run));
    const CancelOnExit guard{token};

    REQUIRE(eventually([&] { return progress.snapshot().percentage > 0; }, start_within));
    token.cancel();
    REQUIRE(running.wait_for(stop_within) == std::future_status::ready);
    CHECK_THROWS_AS(running.get(), worker::OperationCancelled);
    CHECK(progress.snapshot().percentage < 100);
}

}  // namespace fleet::test
