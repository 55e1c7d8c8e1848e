#include "workers/echo/echo_engine.hpp"

#include "common/http/error.hpp"
#include "tests/support/engine_test_support.hpp"
#include "worker_base/cancellation.hpp"
#include "worker_base/progress_bridge.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <catch2/catch.hpp>

#include <chrono>
#include <stdexcept>
#include <string>

using namespace fleet::workers::echo;
using namespace fleet::worker;
using namespace fleet::test;

namespace {

boost::json::object request(std::string_view text) { return boost::json::parse(text).as_object(); }

}  // namespace

TEST_CASE("echo: parameters have defaults and every field is kept", "[echo]") {
    const auto params = parse_echo(request(R"({"hello": "world"})"));
    CHECK(params.duration_ms == 0);
    CHECK(params.steps == 10);
    CHECK_FALSE(params.fail_with);
    CHECK(params.parameters.at("hello") == "world");
}

TEST_CASE("echo: invalid parameters are a 400 naming the field", "[echo]") {
    check_bad_request(parse_echo, request(R"({"steps": 0})"), "steps");
    check_bad_request(parse_echo, request(R"({"steps": 100001})"), "steps");
    check_bad_request(parse_echo, request(R"({"steps": "ten"})"), "steps");
    check_bad_request(parse_echo, request(R"({"duration_ms": -1})"), "duration_ms");
    check_bad_request(parse_echo, request(R"({"duration_ms": 86400001})"), "duration_ms");
    check_bad_request(parse_echo, request(R"({"duration_ms": 1.5})"), "duration_ms");
    check_bad_request(parse_echo, request(R"({"fail_with": 3})"), "fail_with");
    check_bad_request(parse_echo, request(R"({"result_bytes": -1})"), "result_bytes");
    check_bad_request(parse_echo, request(R"({"result_bytes": 1073741825})"), "result_bytes");
    check_bad_request(parse_echo, request(R"({"result_bytes": "big"})"), "result_bytes");
}

TEST_CASE("echo: result_bytes makes a result of exactly that many bytes of JSON", "[echo]") {
    for (const int size : {200, 1'000, 65'536, 1'048'577}) {
        const auto params = parse_echo(request(R"({"steps": 1, "result_bytes": )" + std::to_string(size) + "}"));
        ProgressBridge progress;
        const auto result = run_echo(params, progress, CancellationToken{});
        CHECK(boost::json::serialize(result).size() == static_cast<std::size_t>(size));
    }
    // Smaller than the result can be: the smallest it can be, with empty padding.
    const auto params = parse_echo(request(R"({"steps": 1, "result_bytes": 5})"));
    ProgressBridge progress;
    CHECK(run_echo(params, progress, CancellationToken{}).at("padding") == "");
}

TEST_CASE("echo: runs every step, reports progress and metrics, echoes the request", "[echo]") {
    const auto params = parse_echo(request(R"({"steps": 5, "duration_ms": 10, "note": [1, 2]})"));
    ProgressBridge progress;
    const CancellationToken token;

    const auto result = run_echo(params, progress, token).as_object();

    CHECK(result.at("steps") == 5);
    CHECK(result.at("duration_ms") == 10);
    CHECK(result.at("echo").at("note") == boost::json::parse("[1, 2]"));
    CHECK(result.at("echo").at("steps") == 5);

    const auto snapshot = progress.snapshot();
    CHECK(snapshot.percentage == Approx(100));
    CHECK(snapshot.current_step == "step 5/5");
    CHECK(snapshot.fields.at("current_step_index") == 5);
    CHECK(snapshot.fields.at("total_steps") == 5);

    const auto page = progress.metrics_after(0, 100);
    REQUIRE(page.metrics.size() == 5);
    for (std::size_t i = 0; i < 5; ++i) {
        CHECK(page.metrics[i].name == "step");
        CHECK(page.metrics[i].value == Approx(static_cast<double>(i + 1)));
    }
}

TEST_CASE("echo: fail_with fails the run after its steps", "[echo]") {
    const auto params = parse_echo(request(R"({"steps": 3, "fail_with": "boom on purpose"})"));
    ProgressBridge progress;
    CHECK_THROWS_WITH(run_echo(params, progress, CancellationToken{}), "boom on purpose");
    CHECK(progress.snapshot().percentage == Approx(100));
}

TEST_CASE("echo: an already cancelled token stops the run at once", "[echo]") {
    const auto params = parse_echo(request(R"({"steps": 3})"));
    ProgressBridge progress;
    CancellationToken token;
    token.cancel();
    CHECK_THROWS_AS(run_echo(params, progress, token), OperationCancelled);
    CHECK(progress.metrics_after(0, 10).metrics.empty());
}

TEST_CASE("echo: cancelling from another thread stops a long run early", "[echo]") {
    // A minute of work in 1000 steps: the first step lands after 60 ms.
    const auto params = parse_echo(request(R"({"steps": 1000, "duration_ms": 60000})"));
    ProgressBridge progress;
    const CancellationToken token;
    const auto started = std::chrono::steady_clock::now();
    cancel_once_started([&] { return run_echo(params, progress, token); }, progress, token,
                        std::chrono::seconds(20), std::chrono::seconds(20));
    CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(40));
}

TEST_CASE("echo: the worker type drops task_id and runs the engine", "[echo]") {
    const auto type = worker_type();
    CHECK(type.type == "echo");
    CHECK(type.domain == "echo");
    auto work = type.prepare(request(R"({"task_id": "t-1", "steps": 2, "x": true})"));
    CHECK_FALSE(work.parameters.contains("task_id"));
    ProgressBridge progress;
    const auto result = work.run(progress, CancellationToken{}).as_object();
    CHECK(result.at("steps") == 2);
    CHECK(result.at("echo").at("x") == true);
    CHECK_FALSE(result.at("echo").as_object().contains("task_id"));
    CHECK_THROWS_AS(type.prepare(request(R"({"steps": -4})")), fleet::http::ApiError);
}

TEST_CASE("echo: only a run of no duration, few steps and a small result is instant", "[echo]") {
    const auto type = worker_type();
    CHECK(type.prepare(request(R"({"duration_ms": 0, "steps": 1})")).instant);
    CHECK(type.prepare(request(R"({"duration_ms": 0, "steps": 1, "result_bytes": 100})")).instant);
    CHECK_FALSE(type.prepare(request(R"({"duration_ms": 1, "steps": 1})")).instant);
    CHECK_FALSE(type.prepare(request(R"({"duration_ms": 0, "steps": 1000})")).instant);
    CHECK_FALSE(type.prepare(request(R"({"duration_ms": 0, "result_bytes": 10000000})")).instant);
}
