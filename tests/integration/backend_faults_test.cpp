#include "common/http/error.hpp"
#include "tests/integration/backend_fixture.hpp"
#include "tests/support/fake_server.hpp"

#include <algorithm>
#include <atomic>
#include <csignal>
#include <future>
#include <mutex>
#include <map>
#include <memory>
#include <thread>

using namespace fleet;
using namespace fleet::test;
using boost::json::object;

namespace {

std::string started_id(const object& answer) { return string_of(answer.at("operation_id")); }

bool listed(BackendUnderTest& backend, const std::string& worker_id) {
    for (const auto& worker : backend.workers())
        if (worker.as_object().at("worker_id") == boost::json::value(worker_id)) return true;
    return false;
}

// A definite loss (the process is gone) is noticed at once; this is only a generous bound.
constexpr std::chrono::seconds kLossDeadline{5};

// A worker ("twin") that takes every start, stays healthy and says each operation runs.
http::HttpResponse twin_answer(const http::HttpRequest& request) {
    if (request.path == "/health") return http::HttpResponse::json(200, {{"healthy", true}, {"worker_status", "busy"}});
    if (request.path == "/echo/start") return start_taken(request, "twin");
    return http::HttpResponse::json(200, {{"success", true}, {"data", {{"status", "running"}}}});
}

}  // namespace

TEST_CASE("kill -9 of a worker mid-operation: unavailable at once, its operation failed as lost",
          "[integration][backend-faults]") {
    // Health checks far apart: only the kept-open connection can notice the death in time.
    BackendUnderTest backend({"--health-interval", "60s"});
    BackendWorker worker(backend, "echo", "echo-killed-1", {"--health-interval", "60s"});
    const std::string id = started_id(backend.start("echo", {{"duration_ms", 60000}, {"steps", 600}}));
    backend.wait_for_status(id, "running");

    worker.process().signal(SIGKILL);
    REQUIRE(worker.process().wait(std::chrono::seconds(5)).has_value());
    REQUIRE(eventually([&] { return backend.worker_status("echo-killed-1") == "TEMPORARILY_UNAVAILABLE"; },
                       kLossDeadline));
    backend.wait_for_status(id, "failed", kLossDeadline);
    auto op = backend.operation(id);
    const std::string error = string_of(op.at("error_message"));
    INFO(error);
    CHECK(error.find("echo-killed-1") != std::string::npos);
    CHECK(error.find("lost") != std::string::npos);
    CHECK(op.at("completed_at").is_string());
    CHECK(backend.count_operations("running") == 0);
    CHECK(backend.count_operations("pending") == 0);
    CHECK(backend.worker("echo-killed-1")->at("current_operation_id").is_null());

    // No new work for it: the domain has a worker on file, but none to run it.
    auto queued = backend.start("echo", {{"duration_ms", 0}}, 202);
    CHECK(queued.at("status") == "queued");
}

TEST_CASE("kill -9 of a worker mid-operation with a retry left: the operation runs again elsewhere",
          "[integration][backend-faults]") {
    BackendUnderTest backend;
    BackendWorker first(backend, "echo", "echo-retry-1");
    BackendWorker second(backend, "echo", "echo-retry-2");
    auto answer = backend.start("echo", {{"duration_ms", 4000}, {"steps", 40}, {"max_retries", 1}});
    const std::string id = started_id(answer);
    const std::string victim = string_of(answer.at("worker_id"));
    BackendWorker& doomed = victim == first.id() ? first : second;
    const std::string survivor = victim == first.id() ? second.id() : first.id();
    backend.wait_for_status(id, "running");

    doomed.process().signal(SIGKILL);
    REQUIRE(eventually([&] { return backend.worker_status(victim) == "TEMPORARILY_UNAVAILABLE"; }, kLossDeadline));
    backend.wait_for_status(id, "completed");
    auto op = backend.operation(id);
    CHECK(op.at("worker_id") == boost::json::value(survivor));
    CHECK(op.at("attempts") == 2);
    CHECK(op.at("error_message").is_null());
    CHECK(backend.count_operations("running") == 0);
    CHECK(backend.count_operations("queued") == 0);
}

TEST_CASE("kill -9 of the backend mid-operation: after a restart on the same db and port nothing is lost",
          "[integration][backend-faults]") {
    BackendUnderTest backend({}, free_loopback_port());
    BackendWorker echo(backend, "echo", "echo-restart-1");
    BackendWorker backtest(backend, "backtest", "bt-restart-1");

    const std::string running = started_id(backend.start("echo", {{"duration_ms", 4000}, {"steps", 40}}));
    backend.wait_for_status(running, "running");
    const std::string queued = started_id(backend.start("echo", {{"duration_ms", 0}, {"note", "after"}}, 202));
    const auto before = backend.process().pid();

    backend.restart();
    REQUIRE(backend.process().pid() != before);
    INFO("backend output after restart:\n" << backend.process().output());

    CHECK(listed(backend, "echo-restart-1"));
    CHECK(listed(backend, "bt-restart-1"));
    CHECK(json_of(backend.get("/api/v1/operations")).at("data").as_object().at("total") == 2);
    const auto running_status = backend.operation_status(running);
    CHECK((running_status == "running" || running_status == "completed"));
    const auto queued_status = backend.operation_status(queued);
    CHECK(queued_status != "failed");
    CHECK(queued_status != "cancelled");

    backend.wait_for_status(running, "completed");
    CHECK(backend.operation(running).at("worker_id") == "echo-restart-1");
    backend.wait_for_status(queued, "completed");
    auto after = backend.operation(queued);
    CHECK(after.at("worker_id") == "echo-restart-1");
    CHECK(after.at("result").as_object().at("echo").as_object().at("note") == "after");
    CHECK(backend.count_operations("running") == 0);
    CHECK(backend.count_operations("queued") == 0);
    REQUIRE(eventually([&] {
        return backend.worker_status("echo-restart-1") == "AVAILABLE" &&
               backend.worker_status("bt-restart-1") == "AVAILABLE";
    }));
}

TEST_CASE("kill -9 of the backend under load: every acknowledged operation completes, and runs once",
          "[integration][backend-faults]") {
    BackendUnderTest backend({}, free_loopback_port());
    const std::vector<std::string> worker_args{"--max-concurrent", "2", "--history", "100000"};
    BackendWorker first(backend, "echo", "echo-load-1", worker_args);
    BackendWorker second(backend, "echo", "echo-load-2", worker_args);

    // Four clients start operations back to back, through the kill and the restart;
    // what the backend acknowledged (200 or 202) is kept.
    std::mutex mutex;
    std::vector<std::string> acknowledged;
    std::atomic<bool> stop{false};
    std::vector<std::thread> clients;
    for (int c = 0; c < 4; ++c) {
        clients.emplace_back([&, url = backend.url()] {
            http::BlockingHttpClient client;
            while (!stop) {
                const auto response = client.post(url + "/api/v1/echo/start", R"({"duration_ms": 5, "steps": 1})");
                if (response.ok() && (response.status == 200 || response.status == 202)) {
                    const auto body = boost::json::parse(response.body).as_object();
                    std::lock_guard lock(mutex);
                    acknowledged.emplace_back(body.at("operation_id").as_string());
                } else {
                    std::this_thread::sleep_for(std::chrono::milliseconds(10));  // down: try again
                }
            }
        });
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    std::size_t before_kill = 0;
    {
        std::lock_guard lock(mutex);
        before_kill = acknowledged.size();
    }
    backend.kill9();
    backend.start_again();
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    stop = true;
    for (auto& client : clients) client.join();
    INFO("acknowledged " << acknowledged.size() << ", " << before_kill << " of them before the kill");
    REQUIRE(before_kill > 20);
    REQUIRE(acknowledged.size() > before_kill);

    // Nothing acknowledged is lost...
    for (const auto& id : acknowledged) backend.wait_for_status(id, "completed", std::chrono::seconds(30));
    // ...and nothing ran twice: each appears once across the workers' own lists.
    auto runs = runs_on({&first, &second});
    for (const auto& id : acknowledged) {
        INFO("operation " << id);
        CHECK(runs[id] == 1);
    }
}

TEST_CASE("SIGTERM of a worker: it drains, exits 0 and leaves the registry", "[integration][backend-faults]") {
    BackendUnderTest backend;
    BackendWorker worker(backend, "echo", "echo-drain-1");
    BackendWorker stays(backend, "echo", "echo-stays-1");
    const auto answer = backend.start("echo", {{"duration_ms", 2000}, {"steps", 20}});
    const std::string id = started_id(answer);
    BackendWorker& leaving = answer.at("worker_id") == "echo-drain-1" ? worker : stays;
    backend.wait_for_status(id, "running");

    leaving.process().signal(SIGTERM);
    const auto code = leaving.process().wait(std::chrono::seconds(20));
    REQUIRE(code.has_value());
    CHECK(*code == 0);
    REQUIRE(eventually([&] { return !backend.worker(leaving.id()).has_value(); }));
    CHECK_FALSE(listed(backend, leaving.id()));
    CHECK(backend.get("/api/v1/workers/" + leaving.id()).status == 404);
    CHECK(backend.workers().size() == 1);
    // Nothing is left running on a worker that is gone (how it ended: see the next case).
    REQUIRE(eventually([&] { return backend.operation_status(id) != "running"; }));
    CHECK(backend.count_operations("running") == 0);
}

// Bug: the draining worker sends its completion notice and, right after, its
// DELETE /api/v1/workers/{id}, without waiting (worker_base/worker_app.cpp
// finish() -> Registrar::deregister). When the backend handles the DELETE
// first, Dispatcher::deregister fails the operation ("worker ... left"), and
// Dispatcher::operation_event then drops the completion as "already final".
TEST_CASE("SIGTERM of a worker: the operation it finished while draining ends completed",
          "[integration][backend-faults]") {
    BackendUnderTest backend;
    std::vector<std::unique_ptr<BackendWorker>> workers;
    for (int i = 0; i < 3; ++i)
        workers.push_back(std::make_unique<BackendWorker>(backend, "echo", "echo-drained-" + std::to_string(i)));
    std::vector<std::string> ids;
    for (int i = 0; i < 3; ++i) ids.push_back(started_id(backend.start("echo", {{"duration_ms", 2000}, {"steps", 20}})));
    for (const auto& id : ids) backend.wait_for_status(id, "running");

    for (auto& worker : workers) worker->process().signal(SIGTERM);
    for (auto& worker : workers) CHECK(worker->process().wait(std::chrono::seconds(20)) == std::optional<int>(0));
    REQUIRE(eventually([&] { return backend.workers().empty(); }));
    for (const auto& id : ids) {
        REQUIRE(eventually([&] { return backend.operation_status(id) != "running"; }));
        auto op = backend.operation(id);
        INFO(id << " error_message: " << op.at("error_message"));
        CHECK(op.at("status") == "completed");
    }
}

TEST_CASE("a worker that stops answering (SIGSTOP) is unavailable after threshold x interval, and back after SIGCONT",
          "[integration][backend-faults]") {
    BackendUnderTest backend({"--health-interval", "200ms", "--health-timeout", "100ms", "--failure-threshold", "2"});
    BackendWorker worker(backend, "echo", "echo-frozen-1");

    worker.process().signal(SIGSTOP);
    REQUIRE(eventually([&] { return backend.worker_status("echo-frozen-1") == "TEMPORARILY_UNAVAILABLE"; },
                       std::chrono::seconds(5)));
    auto entry = *backend.worker("echo-frozen-1");
    CHECK(entry.at("health_check_failures").to_number<int>() >= 2);
    // Silence is not death: it stays on file.
    CHECK(listed(backend, "echo-frozen-1"));
    backend.start("echo", {{"duration_ms", 0}}, 202);

    worker.process().signal(SIGCONT);
    REQUIRE(eventually([&] { return backend.worker_status("echo-frozen-1") == "AVAILABLE"; }, std::chrono::seconds(5)));
    CHECK(backend.worker("echo-frozen-1")->at("health_check_failures") == 0);
    // The queued start goes out once it is back.
    REQUIRE(eventually([&] { return backend.count_operations("completed") == 1; }));
}

TEST_CASE("--remove-after drops a worker that stays unavailable", "[integration][backend-faults]") {
    BackendUnderTest backend({"--remove-after", "1s"});
    BackendWorker doomed(backend, "echo", "echo-removed-1");
    BackendWorker kept(backend, "echo", "echo-kept-1");

    doomed.process().signal(SIGKILL);
    REQUIRE(eventually([&] { return backend.worker_status("echo-removed-1") == "TEMPORARILY_UNAVAILABLE"; },
                       kLossDeadline));
    REQUIRE(eventually([&] { return !backend.worker("echo-removed-1").has_value(); }, std::chrono::seconds(10)));
    CHECK_FALSE(listed(backend, "echo-removed-1"));
    CHECK(backend.get("/api/v1/workers/echo-removed-1").status == 404);
    CHECK(backend.worker_status("echo-kept-1") == "AVAILABLE");
}

TEST_CASE("an operation whose workers keep dying fails for good after --max-worker-losses",
          "[integration][backend-faults]") {
    BackendUnderTest backend({"--max-worker-losses", "2"});
    BackendWorker a(backend, "echo", "poison-a");
    BackendWorker b(backend, "echo", "poison-b");
    BackendWorker c(backend, "echo", "poison-c");
    std::map<std::string, BackendWorker*> workers{{"poison-a", &a}, {"poison-b", &b}, {"poison-c", &c}};
    // Retries to spare: only the loss count stops it.
    const std::string id =
        started_id(backend.start("echo", {{"duration_ms", 60000}, {"steps", 600}, {"max_retries", 5}}));
    for (int loss = 1; loss <= 2; ++loss) {
        backend.wait_for_status(id, "running");
        const std::string holder = string_of(backend.operation(id).at("worker_id"));
        workers.at(holder)->process().signal(SIGKILL);
        REQUIRE(eventually([&] { return backend.worker_status(holder) == "TEMPORARILY_UNAVAILABLE"; }, kLossDeadline));
    }
    backend.wait_for_status(id, "failed", kLossDeadline);
    auto op = backend.operation(id);
    const std::string error = string_of(op.at("error_message"));
    INFO(error);
    CHECK(error.find("failed for good") != std::string::npos);
    CHECK(op.at("attempts") == 2);
    CHECK(backend.count_operations("running") == 0);
    CHECK(backend.count_operations("queued") == 0);
}

TEST_CASE("a running operation its worker no longer knows is resolved after the grace",
          "[integration][backend-faults]") {
    BackendUnderTest backend({"--unknown-grace", "300ms"});
    // A worker that takes the start, stays healthy and idle, and then does not
    // know the operation (as after a restart nobody told the backend about).
    FakeServer forgetful([](const http::HttpRequest& request) {
        if (request.path == "/health") return idle_health();
        if (request.path == "/echo/start") return start_taken(request, "forgetful");
        return http::error_response(404, "operation not found");
    });
    const object registration{{"worker_id", "forgetful"}, {"worker_type", "echo"}, {"domain", "echo"},
                              {"endpoint_url", forgetful.url()}};
    REQUIRE(backend.post("/api/v1/workers/register", to_body(registration)).status == 200);
    const std::string id = started_id(backend.start("echo", {{"duration_ms", 60000}}));
    CHECK(backend.operation(id).at("status") == "running");

    // Not at the first 404: only once the grace has passed.
    backend.wait_for_status(id, "failed", std::chrono::seconds(15));
    const std::string error = string_of(backend.operation(id).at("error_message"));
    INFO(error);
    CHECK(error.find("no longer knows") != std::string::npos);
    CHECK(backend.worker_status("forgetful") == "AVAILABLE");
    CHECK(backend.count_operations("running") == 0);
}

TEST_CASE("re-registration keeps every running operation it reports; a superseded instance is fenced off",
          "[integration][backend-faults]") {
    BackendUnderTest backend;
    // A worker with two slots that takes every start and stays healthy.
    FakeServer twin(twin_answer);
    object registration{{"worker_id", "twin"}, {"worker_type", "echo"}, {"domain", "echo"},
                        {"endpoint_url", twin.url()}, {"max_concurrent", 2}};
    const auto first = json_of(backend.post("/api/v1/workers/register", to_body(registration)));
    const std::string old_instance = string_of(first.at("instance_id"));
    const std::string a = started_id(backend.start("echo", {{"duration_ms", 60000}}));
    const std::string b = started_id(backend.start("echo", {{"duration_ms", 60000}}));

    // It registers again (it lost touch), reporting both: neither is lost.
    registration["current_operation_ids"] = boost::json::array{a.c_str(), b.c_str()};
    const auto second = json_of(backend.post("/api/v1/workers/register", to_body(registration)));
    const std::string new_instance = string_of(second.at("instance_id"));
    CHECK(new_instance != old_instance);
    CHECK(second.at("stop_operations").as_array().empty());
    CHECK(backend.operation(a).at("status") == "running");
    CHECK(backend.operation(b).at("status") == "running");

    // The old instance's word no longer counts; the new one's does.
    const object stale{{"operation_id", a}, {"status", "failed"}, {"error_message", "stale"}, {"instance_id", old_instance}};
    CHECK(backend.post("/api/v1/operations/" + a + "/events", to_body(stale)).status == 200);
    CHECK(backend.operation(a).at("status") == "running");
    const object fresh{{"operation_id", a}, {"status", "completed"}, {"result", {{"ok", true}}}, {"instance_id", new_instance}};
    CHECK(backend.post("/api/v1/operations/" + a + "/events", to_body(fresh)).status == 200);
    CHECK(backend.operation(a).at("status") == "completed");
    CHECK(backend.operation(b).at("status") == "running");
}

TEST_CASE("a batch of reports is taken report by report, each fenced, and bad batches change nothing",
          "[integration][backend-faults]") {
    BackendUnderTest backend;
    FakeServer twin(twin_answer);
    const object registration{{"worker_id", "twin"}, {"worker_type", "echo"}, {"domain", "echo"},
                              {"endpoint_url", twin.url()}, {"max_concurrent", 3}};
    const auto registered = backend.post("/api/v1/workers/register", to_body(registration));
    const std::string instance = string_of(json_of(registered).at("instance_id"));
    const std::string a = started_id(backend.start("echo", {{"duration_ms", 60000}}));
    const std::string b = started_id(backend.start("echo", {{"duration_ms", 60000}}));
    const std::string c = started_id(backend.start("echo", {{"duration_ms", 60000}}));
    const auto progress = [&](const std::string& id, int percentage, const std::string& from) {
        return object{{"operation_id", id}, {"status", "running"}, {"instance_id", from},
                      {"progress",
                       {{"percentage", percentage}, {"current_step", "step " + std::to_string(percentage)}}}};
    };

    // Bad batches: a JSON 400 each, and no report of them is applied.
    const auto before = backend.operation(a).at("progress");
    for (const std::string& body :
         std::vector<std::string>{"", "{not json", "[]", "{}", R"({"events": []})", R"({"events": {}})",
          R"({"events": [1]})",
          R"({"events": [{}]})", R"({"events": [{"operation_id": "a b"}]})",
          to_body(object{{"events", boost::json::array{progress(a, 10, instance)}}, {"surprise", 1}}),
          to_body(object{{"events", boost::json::array{progress(a, 10, instance), object{{"status", "running"}}}}}),
          to_body(object{{"events", boost::json::array{progress(a, 10, instance), progress(b, 101, instance)}}})}) {
        INFO(body);
        check_error(backend.post("/api/v1/operations/events", body), 400);
    }
    boost::json::array too_many;
    for (int i = 0; i < 1001; ++i) too_many.push_back(progress(a, 10, instance));
    check_error(backend.post("/api/v1/operations/events", to_body(object{{"events", too_many}})), 400);
    CHECK(backend.operation(a).at("progress") == before);

    // One batch: progress of a and b, a stale instance's word on c, an end of b, an unknown id.
    const boost::json::array events{progress(a, 40, instance), progress(b, 70, instance), progress(c, 90, "i-stale"),
                                    object{{"operation_id", b}, {"status", "completed"}, {"instance_id", instance},
                                           {"result", {{"ok", true}}}},
                                    progress("op_unknown", 10, instance)};
    const auto answer = backend.post("/api/v1/operations/events", to_body(object{{"events", events}}));
    REQUIRE(answer.status == 200);
    const auto results = json_of(answer).at("results").as_array();
    REQUIRE(results.size() == 5);
    const std::vector<const char*> outcomes{"applied", "applied", "ignored_superseded", "applied", "not_found"};
    for (std::size_t i = 0; i < outcomes.size(); ++i) {
        INFO(i);
        CHECK(results.at(i).at("operation_id") == events.at(i).at("operation_id"));
        CHECK(results.at(i).at("outcome") == outcomes[i]);
    }
    // Answered after the commit: what it applied reads back at once.
    CHECK(backend.operation(a).at("progress").at("percentage") == 40);
    CHECK(backend.operation(a).at("progress").at("current_step") == "step 40");
    CHECK(backend.operation(b).at("status") == "completed");
    CHECK(backend.operation(c).at("progress").at("percentage") == 0);
    CHECK(backend.operation(c).at("status") == "running");
    const auto again = backend.post("/api/v1/operations/events",
                                    to_body(object{{"events", boost::json::array{progress(b, 10, instance)}}}));
    CHECK(json_of(again).at("results").at(0).at("outcome") == "already_final");
}

TEST_CASE("a worker that says goodbye before answering a start: the operation is queued again, not failed",
          "[integration][backend-faults]") {
    BackendUnderTest backend;
    // A draining worker: its answer to the start (503 draining) is held back
    // until the test has delivered its goodbye, the order `scripts/fleet down` hit.
    std::promise<void> goodbye_sent;
    std::shared_future<void> may_answer = goodbye_sent.get_future().share();
    FakeServer draining([may_answer](const http::HttpRequest& request) {
        if (request.path == "/health") return idle_health();
        if (request.path == "/echo/start") {
            may_answer.wait();
            return http::HttpResponse::json(503, {{"success", false}, {"error", "worker is draining"},
                                                  {"worker_status", "draining"}});
        }
        return http::error_response(404, "not found");
    });
    const object registration{{"worker_id", "leaving"}, {"worker_type", "echo"}, {"domain", "echo"},
                              {"endpoint_url", draining.url()}};
    REQUIRE(backend.post("/api/v1/workers/register", to_body(registration)).status == 200);

    auto started = std::async(std::launch::async, [&] { return backend.start("echo", {{"duration_ms", 50}}, 202); });
    REQUIRE(draining.wait_for([](const auto& requests) {
        return std::any_of(requests.begin(), requests.end(), [](const auto& r) { return r.path == "/echo/start"; });
    }));
    CHECK(backend.del("/api/v1/workers/leaving").status == 200);
    goodbye_sent.set_value();
    const std::string id = started_id(started.get());

    // It never ran: queued, with no attempt counted, and it runs when a worker comes.
    auto queued = backend.operation(id);
    CHECK(queued.at("status") == "queued");
    CHECK(queued.at("attempts") == 0);
    WorkerUnderTest echo("echo", {"--backend-url", backend.url()});
    backend.wait_for_status(id, "completed", std::chrono::seconds(15));
    CHECK(backend.operation(id).at("attempts") == 1);
}

TEST_CASE("clients watching one running operation cost its worker one call while it answers",
          "[integration][backend-faults]") {
    BackendUnderTest backend;
    std::mutex mutex;
    std::string task;  // the operation the fake worker runs
    std::atomic<int> views{0};
    std::promise<void> release;
    std::shared_future<void> may_answer = release.get_future().share();
    FakeServer slow([&](const http::HttpRequest& request) {
        std::lock_guard lock(mutex);
        if (request.path == "/health")
            return http::HttpResponse::json(200, {{"healthy", true}, {"worker_status", "busy"},
                                                  {"current_operation", task.empty() ? boost::json::value() : boost::json::value(task)}});
        if (request.path == "/echo/start") {
            task = string_of(boost::json::parse(request.body).at("task_id"));
            return http::HttpResponse::json(200, {{"success", true}, {"operation_id", task}, {"status", "started"},
                                                  {"worker_id", "slow"}});
        }
        if (request.path == "/api/v1/operations/" + task) {
            ++views;
            may_answer.wait();  // a slow worker: every question about it arrives while it thinks
            return http::HttpResponse::json(
                200, {{"success", true},
                      {"data", {{"operation_id", task}, {"status", "running"}, {"progress", {{"percentage", 50.0}}}}}});
        }
        return http::error_response(404, "not found");
    });
    struct Release {
        std::promise<void>& promise;
        ~Release() {
            try {
                promise.set_value();
            } catch (const std::future_error&) {
            }
        }
    } release_at_exit{release};

    const object registration{{"worker_id", "slow"}, {"worker_type", "echo"}, {"endpoint_url", slow.url()}};
    REQUIRE(backend.post("/api/v1/workers/register", to_body(registration)).status == 200);
    const std::string id = started_id(backend.start("echo", {{"duration_ms", 60000}}));

    constexpr int kWatchers = 20;
    std::vector<std::future<http::ClientResponse>> answers;
    for (int i = 0; i < kWatchers; ++i)
        answers.push_back(std::async(std::launch::async, [&] {
            http::BlockingHttpClient client;
            return client.get(backend.url() + "/api/v1/operations/" + id + "?force_refresh=true");
        }));
    const auto joined = [&] {
        const auto page = backend.get("/metrics").body;
        const std::string name = "\nfleet_operation_refreshes_joined_total ";
        const auto at = page.find(name);
        return at == std::string::npos ? -1 : std::stoi(page.substr(at + name.size()));
    };
    REQUIRE(eventually([&] { return views == 1 && joined() == kWatchers - 1; }));
    release.set_value();

    for (auto& answer : answers) {
        const auto response = answer.get();
        REQUIRE(response.status == 200);
        const auto data = json_of(response).at("data").as_object();
        CHECK(data.at("status") == "running");
        CHECK(data.at("progress").at("percentage").to_number<double>() == 50.0);
    }
    CHECK(views == 1);
}
