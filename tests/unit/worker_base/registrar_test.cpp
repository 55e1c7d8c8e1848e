#include "worker_base/registrar.hpp"

#include "common/http/error.hpp"
#include "tests/support/fake_server.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json/parse.hpp>
#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

namespace asio = boost::asio;
namespace json = boost::json;
using namespace fleet;
using namespace std::chrono_literals;
using Requests = std::vector<test::RecordedRequest>;
using SteadyClock = std::chrono::steady_clock;

namespace {

constexpr auto kRegisterPath = "/api/v1/workers/register";

struct IoThread {
    asio::io_context io;
    asio::executor_work_guard<asio::io_context::executor_type> work{io.get_executor()};
    http::HttpClient client{io};
    std::thread thread{[this] { io.run(); }};

    ~IoThread() {
        work.reset();
        io.stop();
        thread.join();
    }
};

worker::RegistrarConfig config_for(const test::FakeServer& server) {
    worker::RegistrarConfig config;
    config.backend_url = server.url();
    config.token = "tok";
    config.worker_id = "echo-host-5005";
    config.health_interval = 100ms;
    config.initial_backoff = 20ms;
    config.max_backoff = 200ms;
    config.request_timeout = 2s;
    return config;
}

json::object registration_body() {
    return json::object{{"worker_id", "echo-host-5005"},
                        {"worker_type", "echo"},
                        {"domain", "echo"},
                        {"endpoint_url", "http://127.0.0.1:5005"},
                        {"capabilities", json::object{{"cores", 2}}},
                        {"max_concurrent", 1},
                        {"version", "0.1.0"},
                        {"current_operation_id", nullptr}};
}

std::size_t count_path(const Requests& requests, std::string_view path) {
    std::size_t n = 0;
    for (const auto& request : requests)
        if (request.path == path) ++n;
    return n;
}

std::vector<test::RecordedRequest> registrations(const test::FakeServer& server) {
    std::vector<test::RecordedRequest> out;
    for (auto& request : server.requests())
        if (request.path == kRegisterPath) out.push_back(request);
    return out;
}

auto registered_times(std::size_t n) {
    return [n](const Requests& requests) { return count_path(requests, kRegisterPath) >= n; };
}

// registered() flips on the io thread after the answer arrives; give it a deadline.
bool eventually_registered(const worker::Registrar& registrar, bool expected = true) {
    const auto deadline = SteadyClock::now() + 5s;
    while (registrar.registered() != expected) {
        if (SteadyClock::now() > deadline) return false;
        std::this_thread::sleep_for(2ms);
    }
    return true;
}

// Arrival times recorded by a responder; FakeServer records a request before
// the responder runs, so tests that read these times wait on this log instead.
struct Arrivals {
    void add() {
        {
            std::lock_guard lock(mutex);
            times.push_back(SteadyClock::now());
        }
        changed.notify_all();
    }
    std::size_t size() {
        std::lock_guard lock(mutex);
        return times.size();
    }
    // The first `n` arrival times, or none if they did not come in time.
    std::vector<SteadyClock::time_point> wait(std::size_t n, std::chrono::milliseconds timeout) {
        std::unique_lock lock(mutex);
        if (!changed.wait_for(lock, timeout, [&] { return times.size() >= n; })) return {};
        return {times.begin(), times.begin() + static_cast<std::ptrdiff_t>(n)};
    }

    std::mutex mutex;
    std::condition_variable changed;
    std::vector<SteadyClock::time_point> times;
};

http::HttpResponse ok_registration(json::array stop = {}) {
    return http::HttpResponse::json(
        200, json::object{{"success", true}, {"worker_id", "echo-host-5005"}, {"instance_id", "i-1"},
                          {"status", "AVAILABLE"}, {"stop_operations", std::move(stop)}});
}

}  // namespace

TEST_CASE("Registrar registers with the body, the bearer token and no undelivered notices", "[registrar]") {
    test::FakeServer server([](const http::HttpRequest&) { return ok_registration(); });
    IoThread runner;
    worker::Registrar registrar(runner.io, runner.client, config_for(server), registration_body, {});

    CHECK_FALSE(registrar.registered());
    registrar.start();
    REQUIRE(server.wait_for(registered_times(1)));
    REQUIRE(eventually_registered(registrar));

    const auto request = registrations(server).at(0);
    CHECK(request.method == http::Method::Post);
    CHECK(request.authorization == "Bearer tok");
    const auto body = json::parse(request.body).as_object();
    CHECK(body.at("worker_id") == "echo-host-5005");
    CHECK(body.at("worker_type") == "echo");
    CHECK(body.at("domain") == "echo");
    CHECK(body.at("endpoint_url") == "http://127.0.0.1:5005");
    CHECK(body.at("capabilities").at("cores") == 2);
    CHECK(body.at("completed_operations").as_array().empty());
}

TEST_CASE("Registrar retries with growing delays until the backend accepts", "[registrar]") {
    Arrivals arrivals;
    test::FakeServer server([&](const http::HttpRequest&) {
        arrivals.add();
        if (arrivals.size() <= 3)
            return http::HttpResponse::json(503, json::object{{"success", false}, {"error", "shutting down"}});
        return ok_registration();
    });
    IoThread runner;
    worker::Registrar registrar(runner.io, runner.client, config_for(server), registration_body, {});

    registrar.start();
    const auto times = arrivals.wait(4, 5s);
    REQUIRE(times.size() == 4);
    REQUIRE(eventually_registered(registrar));
    CHECK(times[1] - times[0] >= 20ms);
    CHECK(times[2] - times[1] >= 40ms);
    CHECK(times[3] - times[2] >= 80ms);
}

TEST_CASE("Registrar retries a 4xx refusal as well", "[registrar]") {
    std::atomic<int> calls{0};
    test::FakeServer server([&](const http::HttpRequest&) {
        if (++calls == 1) return http::HttpResponse::json(400, json::object{{"success", false}, {"error", "bad"}});
        return ok_registration();
    });
    IoThread runner;
    worker::Registrar registrar(runner.io, runner.client, config_for(server), registration_body, {});

    registrar.start();
    REQUIRE(server.wait_for(registered_times(2)));
    CHECK(eventually_registered(registrar));
}

TEST_CASE("Registrar hands the backend's stop_operations to the worker", "[registrar]") {
    test::FakeServer server([](const http::HttpRequest&) { return ok_registration(json::array{"op-9", "op-10"}); });
    IoThread runner;
    std::promise<std::vector<std::string>> stopped;
    worker::Registrar registrar(runner.io, runner.client, config_for(server), registration_body,
                                [&](const std::vector<std::string>& ids) { stopped.set_value(ids); });

    registrar.start();
    auto future = stopped.get_future();
    REQUIRE(future.wait_for(5s) == std::future_status::ready);
    CHECK(future.get() == std::vector<std::string>{"op-9", "op-10"});
}

TEST_CASE("Registrar registers again after three silent health intervals", "[registrar]") {
    Arrivals arrivals;
    test::FakeServer server([&](const http::HttpRequest&) {
        arrivals.add();
        return ok_registration();
    });
    IoThread runner;
    worker::Registrar registrar(runner.io, runner.client, config_for(server), registration_body, {});

    registrar.start();
    const auto times = arrivals.wait(2, 3s);
    REQUIRE(times.size() == 2);
    CHECK(times[1] - times[0] >= 300ms);
}

TEST_CASE("Registrar stays quiet while health checks keep coming", "[registrar]") {
    test::FakeServer server([](const http::HttpRequest&) { return ok_registration(); });
    IoThread runner;
    worker::Registrar registrar(runner.io, runner.client, config_for(server), registration_body, {});

    registrar.start();
    REQUIRE(server.wait_for(registered_times(1)));
    REQUIRE(eventually_registered(registrar));

    // The backend's health checks, every half interval, for eight intervals.
    const auto until = SteadyClock::now() + 800ms;
    while (SteadyClock::now() < until) {
        registrar.note_health_check();
        std::this_thread::sleep_for(50ms);
    }
    CHECK(count_path(server.requests(), kRegisterPath) == 1);

    // Then they stop: the registrar speaks up again.
    CHECK(server.wait_for(registered_times(2), 3s));
}

TEST_CASE("Registrar posts completion notices to the operation's events", "[registrar]") {
    test::FakeServer server;
    IoThread runner;
    worker::Registrar registrar(runner.io, runner.client, config_for(server), registration_body, {});

    registrar.notify_completion(json::object{{"operation_id", "op-7"},
                                             {"status", "completed"},
                                             {"result", json::object{{"rows", 3}}},
                                             {"completed_at", "2026-11-22T16:47:31.123Z"}});
    const auto path = "/api/v1/operations/op-7/events";
    REQUIRE(server.wait_for([&](const Requests& requests) { return count_path(requests, path) == 1; }));

    const auto request = server.requests().at(0);
    CHECK(request.method == http::Method::Post);
    CHECK(request.authorization == "Bearer tok");
    const auto body = json::parse(request.body).as_object();
    CHECK(body.at("status") == "completed");
    CHECK(body.at("result").at("rows") == 3);
}

json::array running(std::initializer_list<const char*> ids) {
    json::array operations;
    for (const char* id : ids)
        operations.emplace_back(json::object{
            {"operation_id", id}, {"status", "running"}, {"progress", json::object{{"percentage", 40}}}});
    return operations;
}

TEST_CASE("Registrar posts the progress of many operations in one request, with its instance", "[registrar]") {
    test::FakeServer server([](const http::HttpRequest&) { return ok_registration(); });
    IoThread runner;
    worker::Registrar registrar(runner.io, runner.client, config_for(server), registration_body, {});
    registrar.notify_progress(running({"op-1"}));  // not registered yet: nothing is sent
    registrar.start();
    REQUIRE(eventually_registered(registrar));

    registrar.notify_progress(running({"op-1", "op-2", "op-3"}));
    const auto path = "/api/v1/operations/events";
    REQUIRE(server.wait_for([&](const Requests& requests) { return count_path(requests, path) == 1; }));
    for (const auto& request : server.requests()) {
        if (request.path != path) continue;
        CHECK(request.method == http::Method::Post);
        const auto events = json::parse(request.body).at("events").as_array();
        REQUIRE(events.size() == 3);
        CHECK(events.at(1).at("operation_id") == "op-2");
        CHECK(events.at(2).at("instance_id") == "i-1");
        CHECK(events.at(0).at("progress").at("percentage") == 40);
    }
    CHECK(count_path(server.requests(), "/api/v1/operations/op-1/events") == 0);
}

TEST_CASE("Registrar sends progress one operation a request to a backend without the batch route",
          "[registrar]") {
    test::FakeServer server([](const http::HttpRequest& request) {
        if (request.path == "/api/v1/operations/events") return http::error_response(404, "no route");
        if (request.path == kRegisterPath) return ok_registration();
        return http::HttpResponse::json(200, json::object{{"success", true}});
    });
    IoThread runner;
    worker::Registrar registrar(runner.io, runner.client, config_for(server), registration_body, {});
    registrar.start();
    REQUIRE(eventually_registered(registrar));

    registrar.notify_progress(running({"op-1", "op-2"}));
    REQUIRE(server.wait_for([&](const Requests& requests) {
        return count_path(requests, "/api/v1/operations/op-1/events") == 1 &&
               count_path(requests, "/api/v1/operations/op-2/events") == 1;
    }));
    // Once refused, the batch route is not tried again until the next registration.
    registrar.notify_progress(running({"op-3"}));
    REQUIRE(server.wait_for([&](const Requests& requests) {
        return count_path(requests, "/api/v1/operations/op-3/events") == 1;
    }));
    CHECK(count_path(server.requests(), "/api/v1/operations/events") == 1);
    for (const auto& request : server.requests())
        if (request.path == "/api/v1/operations/op-3/events")
            CHECK(json::parse(request.body).at("instance_id") == "i-1");
}

TEST_CASE("Registrar carries undelivered completion notices into the next registration", "[registrar]") {
    test::FakeServer server([](const http::HttpRequest& request) {
        if (request.path == kRegisterPath) return ok_registration();
        return http::HttpResponse::json(500, json::object{{"success", false}, {"error", "db locked"}});
    });
    IoThread runner;
    worker::Registrar registrar(runner.io, runner.client, config_for(server), registration_body, {});

    registrar.start();
    REQUIRE(server.wait_for(registered_times(1)));
    registrar.notify_completion(json::object{{"operation_id", "op-1"}, {"status", "failed"},
                                             {"error_message", "boom"},
                                             {"completed_at", "2026-11-22T16:47:31.123Z"}});
    REQUIRE(server.wait_for(
        [](const Requests& requests) { return count_path(requests, "/api/v1/operations/op-1/events") == 1; }));

    // No health checks arrive, so the watchdog registers again with the notice...
    REQUIRE(server.wait_for(registered_times(2), 3s));
    auto second = json::parse(registrations(server).at(1).body).as_object();
    const auto& carried = second.at("completed_operations").as_array();
    REQUIRE(carried.size() == 1);
    CHECK(carried[0].at("operation_id") == "op-1");
    CHECK(carried[0].at("error_message") == "boom");

    // ...and, once delivered, not again.
    REQUIRE(server.wait_for(registered_times(3), 3s));
    auto third = json::parse(registrations(server).at(2).body).as_object();
    CHECK(third.at("completed_operations").as_array().empty());
}

TEST_CASE("Registrar keeps a registration small: a result follows by its own notice", "[registrar]") {
    // The first notice finds the backend restarting; later ones get through.
    std::atomic<int> notices{0};
    test::FakeServer server([&](const http::HttpRequest& request) {
        if (request.path == kRegisterPath) return ok_registration();
        if (++notices == 1) return http::HttpResponse::json(503, json::object{{"success", false}, {"error", "restarting"}});
        return http::HttpResponse::json(200, json::object{{"success", true}});
    });
    IoThread runner;
    worker::Registrar registrar(runner.io, runner.client, config_for(server), registration_body, {});
    const std::string big(200'000, 'x');
    const auto events = "/api/v1/operations/op-big/events";

    registrar.start();
    REQUIRE(server.wait_for(registered_times(1)));
    registrar.notify_completion(json::object{{"operation_id", "op-big"}, {"status", "completed"},
                                             {"result", json::object{{"blob", big}}},
                                             {"completed_at", "2026-11-22T16:47:31.123Z"}});
    REQUIRE(server.wait_for([&](const Requests& requests) { return count_path(requests, events) == 1; }));

    // A registration names it without the result...
    const auto names_it = [](const test::RecordedRequest& request) {
        return request.path == kRegisterPath && request.body.find("op-big") != std::string::npos;
    };
    REQUIRE(server.wait_for([&](const Requests& requests) { return std::any_of(requests.begin(), requests.end(), names_it); },
                            3s));
    const auto requests = server.requests();
    const auto second = *std::find_if(requests.begin(), requests.end(), names_it);
    CHECK(second.body.size() < 2'000);
    const auto carried = json::parse(second.body).at("completed_operations").as_array();
    REQUIRE(carried.size() == 1);
    CHECK(carried[0].at("operation_id") == "op-big");
    CHECK(carried[0].at("status") == "completed");
    CHECK_FALSE(carried[0].as_object().contains("result"));

    // ...and the whole notice is posted again, fenced with the new instance id.
    REQUIRE(server.wait_for([&](const Requests& requests) { return count_path(requests, events) == 2; }));
    test::RecordedRequest again;
    for (const auto& request : server.requests())
        if (request.path == events) again = request;
    const auto body = json::parse(again.body).as_object();
    CHECK(body.at("result").at("blob") == boost::json::value(big));
    CHECK(body.at("instance_id") == "i-1");
}

TEST_CASE("Registrar turns a result the backend refuses as too large into a failure notice", "[registrar]") {
    // The fake backend's server takes bodies up to 1 MiB, as a backend of old did.
    test::FakeServer server([&](const http::HttpRequest& request) {
        if (request.path == kRegisterPath) return ok_registration();
        return http::HttpResponse::json(200, json::object{{"success", true}});
    });
    IoThread runner;
    worker::Registrar registrar(runner.io, runner.client, config_for(server), registration_body, {});

    registrar.notify_completion(json::object{{"operation_id", "op-9"}, {"status", "completed"},
                                             {"result", json::object{{"blob", std::string(1'500'000, 'x')}}},
                                             {"completed_at", "2026-11-22T16:47:31.123Z"}});
    const auto events = "/api/v1/operations/op-9/events";
    REQUIRE(server.wait_for([&](const Requests& requests) { return count_path(requests, events) == 1; }));
    const auto notice = server.requests().at(0);
    CHECK(notice.body.size() < 2'000);
    const auto body = json::parse(notice.body).as_object();
    CHECK(body.at("status") == "failed");
    CHECK(body.at("error_message") ==
          "result could not be delivered: the completion notice of 1.5 MB exceeds the backend's limit "
          "(HTTP 413: request body exceeds 1048576 bytes)");
    CHECK_FALSE(body.contains("result"));
}

TEST_CASE("Registrar's goodbye tries undelivered notices again and names what still failed", "[registrar]") {
    test::FakeServer server([](const http::HttpRequest& request) {
        if (request.path == kRegisterPath || request.method == http::Method::Delete) return ok_registration();
        return http::HttpResponse::json(500, json::object{{"success", false}, {"error", "db locked"}});
    });
    IoThread runner;
    worker::Registrar registrar(runner.io, runner.client, config_for(server), registration_body, {});
    const auto events = "/api/v1/operations/op-3/events";

    registrar.notify_completion(json::object{{"operation_id", "op-3"}, {"status", "completed"},
                                             {"result", json::object{{"rows", 3}}},
                                             {"completed_at", "2026-11-22T16:47:31.123Z"}});
    REQUIRE(server.wait_for([&](const Requests& requests) { return count_path(requests, events) == 1; }));
    std::promise<void> done;
    registrar.deregister([&] { done.set_value(); });
    REQUIRE(done.get_future().wait_for(5s) == std::future_status::ready);

    const auto requests = server.requests();
    CHECK(count_path(requests, events) == 2);
    const auto& goodbye = requests.back();
    REQUIRE(goodbye.method == http::Method::Delete);
    const auto carried = json::parse(goodbye.body).at("completed_operations").as_array();
    REQUIRE(carried.size() == 1);
    CHECK(carried[0].at("operation_id") == "op-3");
    CHECK(carried[0].at("status") == "completed");
    CHECK_FALSE(carried[0].as_object().contains("result"));
}

TEST_CASE("Registrar says goodbye with a DELETE of its worker id", "[registrar]") {
    test::FakeServer server;
    IoThread runner;
    worker::Registrar registrar(runner.io, runner.client, config_for(server), registration_body, {});

    registrar.start();
    REQUIRE(server.wait_for(registered_times(1)));
    std::promise<void> done;
    registrar.deregister([&] { done.set_value(); });
    REQUIRE(done.get_future().wait_for(5s) == std::future_status::ready);

    const auto requests = server.requests();
    const auto& last = requests.back();
    CHECK(last.method == http::Method::Delete);
    CHECK(last.path == "/api/v1/workers/echo-host-5005");
    CHECK(last.authorization == "Bearer tok");
}

TEST_CASE("Registrar's goodbye completes even when the backend is gone", "[registrar]") {
    std::string url;
    {
        test::FakeServer gone;
        url = gone.url();
    }
    IoThread runner;
    worker::RegistrarConfig config;
    config.backend_url = url;
    config.worker_id = "w";
    config.request_timeout = 1s;
    worker::Registrar registrar(runner.io, runner.client, config, registration_body, {});

    std::promise<void> done;
    registrar.deregister([&] { done.set_value(); });
    CHECK(done.get_future().wait_for(5s) == std::future_status::ready);
}

TEST_CASE("Registrar without a backend does nothing", "[registrar]") {
    IoThread runner;
    worker::RegistrarConfig config;
    config.worker_id = "w";
    std::atomic<int> bodies{0};
    worker::Registrar registrar(runner.io, runner.client, config,
                                [&] {
                                    ++bodies;
                                    return json::object{};
                                },
                                {});
    registrar.start();
    registrar.notify_completion(json::object{{"operation_id", "op-1"}});
    bool done = false;
    registrar.deregister([&] { done = true; });
    CHECK(done);
    CHECK_FALSE(registrar.registered());
    CHECK(bodies.load() == 0);
}

TEST_CASE("Registrar can be destroyed while a registration is in flight", "[registrar]") {
    std::promise<void> release;
    auto released = release.get_future().share();
    test::FakeServer server([released](const http::HttpRequest&) {
        released.wait_for(5s);
        return ok_registration(json::array{"op-1"});
    });
    IoThread runner;
    std::atomic<int> stop_calls{0};
    {
        worker::Registrar registrar(runner.io, runner.client, config_for(server), registration_body,
                                    [&](const std::vector<std::string>&) { ++stop_calls; });
        registrar.start();
        REQUIRE(server.wait_for(registered_times(1)));
    }
    release.set_value();
    // The server answers the registration before this probe; once the probe is back, the
    // late answer has almost surely been dropped, and must never reach the gone owner.
    std::promise<http::ClientResponse> probe;
    runner.client.send(http::ClientRequest{http::Method::Get, server.url() + "/probe"},
                       [&](http::ClientResponse response) { probe.set_value(std::move(response)); });
    auto answer = probe.get_future();
    REQUIRE(answer.wait_for(5s) == std::future_status::ready);
    CHECK(answer.get().ok());
    CHECK(stop_calls.load() == 0);
}
