// The admin "run worker" flow against the real fleet-backend and fleet-worker:
// runs are operations seen in the admin's words.
#include "common/clock.hpp"
#include "tests/integration/backend_fixture.hpp"

#include <set>

using namespace fleet;
using namespace fleet::test;
using boost::json::object;

namespace {

constexpr const char* kRuns = "/api/v1/admin/workers/runs";

http::ClientResponse post_run(BackendUnderTest& backend, const object& body, const std::string& key = {},
                              const std::string& path = "/api/v1/admin/workers/run") {
    return backend.post(path, to_body(body), key);
}

// Starts a run and checks the answer is 201 in the contract's shape; returns the body.
object start_run(BackendUnderTest& backend, const object& body, const std::string& key = {}) {
    auto response = post_run(backend, body, key);
    INFO("run " << to_body(body) << " -> " << response.status << " " << response.body);
    auto answer = json_of(response);
    REQUIRE(response.status == 201);
    CHECK(answer.at("tracking_available") == true);
    CHECK(answer.at("run_id").is_string());
    CHECK(answer.at("bot").is_string());
    const std::set<std::string> words{"pending", "running", "finished", "failed", "cancelled"};
    CHECK(words.contains(string_of(answer.at("status"))));
    return answer;
}

object run_of(BackendUnderTest& backend, const std::string& run_id) {
    auto response = backend.get(std::string(kRuns) + "/" + run_id);
    INFO("run " << run_id << " -> " << response.status << " " << response.body);
    auto body = json_of(response);
    REQUIRE(response.status == 200);
    return body;
}

// Waits until the run has `status`, checking on the way that progress stays within its bounds.
object wait_for_run(BackendUnderTest& backend, const std::string& run_id, const std::string& status,
                    std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
    object last;
    const bool reached = eventually(
        [&] {
            last = run_of(backend, run_id);
            const auto progress = last.at("progress").to_number<int>();
            CHECK(progress >= 0);
            CHECK(progress <= (last.at("status") == "finished" ? 100 : 99));
            return last.at("status") == boost::json::value(status);
        },
        timeout);
    INFO("run " << run_id << " never became " << status << "; last seen " << last << "\nbackend output:\n"
                << backend.process().output());
    REQUIRE(reached);
    return last;
}

object list_runs(BackendUnderTest& backend, const std::string& query = {}) {
    auto response = backend.get(std::string(kRuns) + query);
    INFO("list " << query << " -> " << response.status << " " << response.body);
    auto body = json_of(response);
    REQUIRE(response.status == 200);
    return body;
}

object echo_run(int duration_ms, int steps = 10) {
    return {{"bot", "echo"}, {"params", {{"duration_ms", duration_ms}, {"steps", steps}}}};
}

http::ClientResponse cancel_run(BackendUnderTest& backend, const std::string& run_id) {
    return backend.del(std::string(kRuns) + "/" + run_id + "/cancel");
}

}  // namespace

TEST_CASE("admin run: pending or running, then finished with progress 100, counters and a duration",
          "[integration][admin-runs]") {
    BackendUnderTest backend;
    BackendWorker echo(backend, "echo", "echo-admin-1");

    const auto answer = start_run(backend, echo_run(1500));
    const auto run_id = string_of(answer.at("run_id"));
    CHECK(answer.at("bot") == "echo");
    CHECK_FALSE(answer.contains("warning"));

    // While it runs: the admin's words, progress below 100, a duration that grows.
    const auto running = wait_for_run(backend, run_id, "running");
    CHECK(running.at("progress").to_number<int>() <= 99);
    CHECK(running.at("finished_at").is_null());
    CHECK(running.at("counters").is_null());
    CHECK(running.at("started_at").is_string());
    CHECK(running.at("worker_id") == "echo-admin-1");
    // The list shows it as its worker does too, not as it was stored at the start.
    const auto listed = list_runs(backend, "?status=running");
    REQUIRE(listed.at("items").as_array().size() == 1);
    CHECK(listed.at("items").as_array()[0].at("run_id") == boost::json::value(run_id));

    const auto finished = wait_for_run(backend, run_id, "finished");
    CHECK(finished.at("run_id") == boost::json::value(run_id));
    CHECK(finished.at("bot") == "echo");
    CHECK(finished.at("progress") == 100);
    CHECK(finished.at("error_message").is_null());
    CHECK(finished.at("finished_at").is_string());
    CHECK(finished.at("duration_seconds").to_number<double>() >= 1.0);
    CHECK(finished.at("params").as_object().at("duration_ms") == 1500);
    // The counters are the worker's result: echo returns its parameters.
    CHECK(finished.at("counters").as_object().at("steps") == 10);

    // The same job as a backend operation, under the same id.
    const auto operation = backend.operation(run_id);
    CHECK(operation.at("status") == "completed");
    CHECK(operation.at("operation_type") == "echo");
}

TEST_CASE("admin run: a failing run is failed with the worker's error and keeps its progress",
          "[integration][admin-runs]") {
    BackendUnderTest backend;
    BackendWorker echo(backend, "echo", "echo-admin-fail");
    const auto answer = start_run(backend, {{"bot", "echo"}, {"params", {{"fail_with", "no disk"}}}});
    const auto failed = wait_for_run(backend, string_of(answer.at("run_id")), "failed");
    CHECK(string_of(failed.at("error_message")).find("no disk") != std::string::npos);
    CHECK(failed.at("counters").is_null());
    CHECK(failed.at("progress").to_number<int>() <= 99);
    CHECK(failed.at("finished_at").is_string());
}

TEST_CASE("admin run: an overlapping run gets a warning, or 409 when strict", "[integration][admin-runs]") {
    BackendUnderTest backend;
    BackendWorker echo1(backend, "echo", "echo-overlap-1");
    BackendWorker echo2(backend, "echo", "echo-overlap-2");

    const auto first = string_of(start_run(backend, echo_run(20'000, 200)).at("run_id"));
    const auto second_answer = start_run(backend, echo_run(20'000, 200));
    const auto second = string_of(second_answer.at("run_id"));
    CHECK(second != first);
    CHECK(second_answer.at("overlapping_run_id") == boost::json::value(first));
    CHECK(string_of(second_answer.at("warning")).find(first) != std::string::npos);
    CHECK(run_of(backend, second).at("warning") == second_answer.at("warning"));

    // strict: refused, naming the newest run of the bot, and nothing is started.
    auto strict = echo_run(10);
    strict["strict"] = true;
    const auto refused = post_run(backend, strict);
    check_error(refused, 409, second);
    CHECK(json_of(refused).at("overlapping_run_id") == boost::json::value(second));
    CHECK(list_runs(backend).at("total") == 2);

    // Cancelled, they overlap nothing any more.
    for (const auto& id : {first, second}) {
        REQUIRE(cancel_run(backend, id).status == 200);
        wait_for_run(backend, id, "cancelled");
    }
    const auto alone = start_run(backend, strict);
    CHECK_FALSE(alone.contains("warning"));
    wait_for_run(backend, string_of(alone.at("run_id")), "finished");
}

TEST_CASE("admin run: --strict-overlap refuses every overlap", "[integration][admin-runs]") {
    BackendUnderTest backend({"--strict-overlap"});
    BackendWorker echo1(backend, "echo", "echo-strict-1");
    BackendWorker echo2(backend, "echo", "echo-strict-2");
    const auto first = string_of(start_run(backend, echo_run(20'000, 200)).at("run_id"));
    check_error(post_run(backend, echo_run(10)), 409, first);
    // "strict": false does not loosen the backend's rule.
    auto loose = echo_run(10);
    loose["strict"] = false;
    check_error(post_run(backend, loose), 409, first);
    REQUIRE(cancel_run(backend, first).status == 200);
    wait_for_run(backend, first, "cancelled");
}

TEST_CASE("admin run: cancel stops a running run; a finished or unknown one cannot be", "[integration][admin-runs]") {
    BackendUnderTest backend;
    BackendWorker echo(backend, "echo", "echo-cancel-1");
    const auto run_id = string_of(start_run(backend, echo_run(20'000, 200)).at("run_id"));
    wait_for_run(backend, run_id, "running");

    const auto cancelled = cancel_run(backend, run_id);
    INFO(cancelled.body);
    REQUIRE(cancelled.status == 200);
    CHECK(json_of(cancelled).at("run_id") == boost::json::value(run_id));
    const auto after = wait_for_run(backend, run_id, "cancelled");
    CHECK(after.at("progress").to_number<int>() <= 99);
    CHECK(after.at("finished_at").is_string());

    check_error(cancel_run(backend, run_id), 409);
    check_error(cancel_run(backend, "op_nobody"), 404);
}

TEST_CASE("admin run: rerun starts a new run with the same bot and params", "[integration][admin-runs]") {
    BackendUnderTest backend;
    BackendWorker echo(backend, "echo", "echo-rerun-1");
    const auto first = string_of(start_run(backend, echo_run(100, 3)).at("run_id"));
    wait_for_run(backend, first, "finished");

    const auto rerun = post_run(backend, {}, {}, std::string(kRuns) + "/" + first + "/rerun");
    INFO(rerun.body);
    REQUIRE(rerun.status == 201);
    const auto second = string_of(json_of(rerun).at("run_id"));
    CHECK(second != first);
    const auto again = wait_for_run(backend, second, "finished");
    CHECK(again.at("bot") == "echo");
    CHECK(again.at("rerun_of") == boost::json::value(first));
    CHECK(again.at("params") == run_of(backend, first).at("params"));

    check_error(post_run(backend, {}, {}, std::string(kRuns) + "/op_nobody/rerun"), 404);
    check_error(post_run(backend, {{"strict", "yes"}}, {}, std::string(kRuns) + "/" + first + "/rerun"), 400);
}

TEST_CASE("admin run: an Idempotency-Key makes a double click one run", "[integration][admin-runs]") {
    BackendUnderTest backend;
    BackendWorker echo(backend, "echo", "echo-idem-1");
    const object body{{"bot", "echo"}, {"params", {{"duration_ms", 200}, {"steps", 2}}}};
    const auto first = start_run(backend, body, "click-1");
    // The same request again, even with its params in another order: the first run.
    const auto second = start_run(backend, {{"params", {{"steps", 2}, {"duration_ms", 200}}}, {"bot", "echo"}}, "click-1");
    CHECK(second.at("run_id") == first.at("run_id"));
    CHECK(list_runs(backend).at("total") == 1);

    // Another request under the same key is refused, naming the run the key belongs to.
    const auto other = post_run(backend, echo_run(10), "click-1");
    check_error(other, 422, "Idempotency-Key");
    CHECK(json_of(other).at("run_id") == first.at("run_id"));

    // Once it has finished, the key still answers with it.
    wait_for_run(backend, string_of(first.at("run_id")), "finished");
    const auto later = start_run(backend, body, "click-1");
    CHECK(later.at("run_id") == first.at("run_id"));
    CHECK(later.at("status") == "finished");

    // Another key, another run.
    CHECK(start_run(backend, body, "click-2").at("run_id") != first.at("run_id"));
    check_error(post_run(backend, body, std::string(300, 'k')), 400, "Idempotency-Key");
}

TEST_CASE("admin runs: listed newest first, filtered by bot, status and since, paged", "[integration][admin-runs]") {
    BackendUnderTest backend;
    BackendWorker echo(backend, "echo", "echo-list-runs");
    BackendWorker backtest(backend, "backtest", "bt-list-runs");
    const auto before = to_iso8601(std::chrono::system_clock::now() - std::chrono::seconds(5));

    std::vector<std::string> echoes;
    for (int i = 0; i < 3; ++i) {
        echoes.push_back(string_of(start_run(backend, echo_run(50, 1)).at("run_id")));
        wait_for_run(backend, echoes.back(), "finished");
    }
    const auto failing = string_of(start_run(backend, {{"bot", "echo"}, {"params", {{"fail_with", "x"}}}}).at("run_id"));
    wait_for_run(backend, failing, "failed");
    // A domain names its bot too; the answer says the type.
    const auto bt = start_run(backend, {{"bot", "backtests"},
                                        {"params", {{"symbol", "AAPL"}, {"timeframe", "1h"},
                                                    {"data_file", sample("AAPL_1h.csv")}}}});
    CHECK(bt.at("bot") == "backtest");
    wait_for_run(backend, string_of(bt.at("run_id")), "finished");

    auto all = list_runs(backend);
    CHECK(all.at("total") == 5);
    CHECK(all.at("limit") == 20);
    CHECK(all.at("offset") == 0);
    const auto& items = all.at("items").as_array();
    REQUIRE(items.size() == 5);
    CHECK(items[0].at("run_id") == bt.at("run_id"));  // newest first
    CHECK(items[4].at("run_id") == boost::json::value(echoes[0]));
    for (const auto& item : items) CHECK(item.at("tracking_available") == true);

    CHECK(list_runs(backend, "?bot=echo").at("total") == 4);
    CHECK(list_runs(backend, "?bot=backtest").at("total") == 1);
    CHECK(list_runs(backend, "?bot=backtests").at("total") == 1);
    CHECK(list_runs(backend, "?status=finished").at("total") == 4);
    const auto failed = list_runs(backend, "?status=failed&bot=echo");
    CHECK(failed.at("total") == 1);
    CHECK(failed.at("items").as_array().at(0).at("run_id") == boost::json::value(failing));
    CHECK(list_runs(backend, "?status=running").at("total") == 0);
    CHECK(list_runs(backend, "?since=" + before).at("total") == 5);
    CHECK(list_runs(backend, "?since=2999-01-01T00:00:00Z").at("total") == 0);

    const auto page1 = list_runs(backend, "?bot=echo&limit=2");
    const auto page2 = list_runs(backend, "?bot=echo&limit=2&offset=2");
    CHECK(page1.at("total") == 4);
    CHECK(page2.at("total") == 4);
    REQUIRE(page1.at("items").as_array().size() == 2);
    REQUIRE(page2.at("items").as_array().size() == 2);
    std::set<std::string> seen;
    for (const auto* page : {&page1, &page2})
        for (const auto& item : page->at("items").as_array()) seen.insert(string_of(item.at("run_id")));
    CHECK(seen.size() == 4);
    CHECK(list_runs(backend, "?offset=10").at("items").as_array().empty());
}

TEST_CASE("admin runs: bad input is a 4xx JSON error and starts nothing", "[integration][admin-runs]") {
    BackendUnderTest backend;
    BackendWorker echo(backend, "echo", "echo-bad-runs");
    const std::string run = "/api/v1/admin/workers/run";

    check_error(backend.post(run, "{not json"), 400);
    check_error(backend.post(run, "[1, 2]"), 400);
    check_error(backend.post(run, ""), 400);
    check_error(post_run(backend, {{"params", object{}}}), 400, "bot");
    check_error(post_run(backend, {{"bot", 7}}), 400, "bot");
    const auto unknown = post_run(backend, {{"bot", "teleport"}});
    check_error(unknown, 400, "unknown bot 'teleport'");
    CHECK(string_of(json_of(unknown).at("error")).find("echo, data_processing, backtest") != std::string::npos);
    // The type's own parser refuses, with its reason, before anything is stored or sent.
    check_error(post_run(backend, {{"bot", "echo"}, {"params", {{"steps", "many"}}}}), 400, "'steps'");
    check_error(post_run(backend, {{"bot", "backtest"}, {"params", {{"symbol", "AAPL"}}}}), 400, "timeframe");
    check_error(post_run(backend, {{"bot", "echo"}, {"params", {{"task_id", "mine"}}}}), 400, "task_id");
    check_error(post_run(backend, {{"bot", "echo"}, {"params", "steps=3"}}), 400, "params");
    check_error(post_run(backend, {{"bot", "echo"}, {"strict", "yes"}}), 400, "strict");
    check_error(post_run(backend, {{"bot", "echo"}, {"city", "rotterdam"}}), 400, "city");
    // A known bot no registered worker runs: nothing stored, try again later.
    check_error(post_run(backend, {{"bot", "backtest"},
                                   {"params", {{"symbol", "AAPL"}, {"timeframe", "1h"}, {"data_file", sample("AAPL_1h.csv")}}}}),
                503, "backtest");

    check_error(backend.get(std::string(kRuns) + "/op_nobody"), 404, "op_nobody");
    check_error(backend.get(std::string(kRuns) + "/bad%20id"), 400);
    check_error(backend.get(std::string(kRuns) + "?status=completed"), 400, "status");
    check_error(backend.get(std::string(kRuns) + "?since=yesterday"), 400, "since");
    check_error(backend.get(std::string(kRuns) + "?limit=0"), 400, "limit");
    check_error(backend.get(std::string(kRuns) + "?limit=101"), 400, "limit");
    check_error(backend.get(std::string(kRuns) + "?limit=ten"), 400, "limit");
    check_error(backend.get(std::string(kRuns) + "?offset=-1"), 400, "offset");
    check_error(backend.get(std::string(kRuns) + "?bot=teleport"), 400, "teleport");

    CHECK(list_runs(backend).at("total") == 0);
    CHECK(backend.count_operations("queued") + backend.count_operations("pending") +
              backend.count_operations("running") + backend.count_operations("completed") +
              backend.count_operations("failed") ==
          0);
}

TEST_CASE("admin runs survive a backend restart and finish", "[integration][admin-runs]") {
    BackendUnderTest backend({}, free_loopback_port());
    BackendWorker echo(backend, "echo", "echo-admin-restart");
    const auto done = string_of(start_run(backend, echo_run(50, 1), "before-restart").at("run_id"));
    wait_for_run(backend, done, "finished");
    const auto running = string_of(start_run(backend, echo_run(4'000, 40)).at("run_id"));
    wait_for_run(backend, running, "running");

    backend.restart();
    INFO("backend output after restart:\n" << backend.process().output());

    // Still known, still active: a new run of the bot overlaps it.
    const auto overlapping = start_run(backend, echo_run(10, 1));
    CHECK(overlapping.at("overlapping_run_id") == boost::json::value(running));
    const auto finished = wait_for_run(backend, running, "finished");
    CHECK(finished.at("progress") == 100);
    CHECK(run_of(backend, done).at("status") == "finished");
    CHECK(list_runs(backend, "?bot=echo").at("total").to_number<int>() >= 2);
    // The key is kept across the restart.
    CHECK(start_run(backend, echo_run(50, 1), "before-restart").at("run_id") == boost::json::value(done));
}
