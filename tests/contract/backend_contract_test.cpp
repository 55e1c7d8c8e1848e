#include "tests/contract/contract_fixture.hpp"
#include "tests/contract/contract_probes.hpp"
#include "tests/contract/scripted_worker.hpp"
#include "tests/contract/schedule_contract.hpp"
#include "tests/contract/workflow_contract.hpp"
#include "tests/integration/backend_fixture.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <atomic>
#include <chrono>
#include <csignal>

using namespace fleet::contract;
using boost::json::object;
using fleet::test::BackendUnderTest;
using fleet::test::BackendWorker;

namespace {

std::optional<std::string> backend_exemption(const Triple& triple) {
    // Metrics and cancel relay a worker's 5xx, which the scripted worker provokes.
    const bool relayed = triple.path == "/api/v1/operations/{id}/metrics" || triple.path == "/api/v1/operations/{id}/cancel";
    if (triple.status == "500" && !relayed)
        return "500: an unexpected failure has no outside trigger in a correct backend";
    // Admin runs are of real worker types only, which the scripted worker is not.
    if (triple.path == "/api/v1/admin/workers/runs/{id}/cancel" && triple.status == "502")
        return "502: a run's worker hanging up needs a fault no real worker type shows";
    if (triple.path == "/api/v1/workers/{id}/drain" && triple.status == "504")
        return "504: a worker that stays silent for the backend's 5 s call timeout would stall the run";
    // The event stream has no end for a request/answer checker to read.
    if (triple.path == "/api/v1/events" && (triple.status == "200" || triple.status == "503"))
        return triple.status + ": a stream (or streams held open); tests/integration/event_stream_test.cpp reads them";
    return std::nullopt;
}

// What the scripted worker does with a metrics or cancel request.
enum class Fault { ServerError, HangUp, NotFound };

// A stand-in worker of domain `scripted`: healthy and idle, it accepts every
// start and shows every operation running, and answers metrics and cancel
// requests with `fault`.
ScriptedAnswer scripted_answer(const std::string& method, const std::string& target, const std::string& body,
                               Fault fault) {
    const std::string path = target.substr(0, target.find('?'));
    if (method == "GET" && path == "/health")
        return ScriptedAnswer::json(200, object{{"healthy", true},
                                                {"service", "scripted-worker"},
                                                {"worker_id", "contract-scripted"},
                                                {"worker_type", "scripted"},
                                                {"timestamp", "2025-01-31T12:00:00.000Z"},
                                                {"status", "operational"},
                                                {"worker_status", "idle"},
                                                {"current_operation", nullptr}});
    if (method == "POST" && path == "/scripted/start") {
        const auto request = boost::json::parse(body).as_object();
        return ScriptedAnswer::json(200, object{{"success", true},
                                                {"operation_id", request.at("task_id")},
                                                {"status", "started"},
                                                {"worker_id", "contract-scripted"}});
    }
    if (method == "POST" && path == "/api/v1/drain") {
        if (fault == Fault::HangUp) return ScriptedAnswer::close_connection();
        return ScriptedAnswer::json(202, object{{"success", true},
                                                {"worker_id", "contract-scripted"},
                                                {"worker_status", "draining"},
                                                {"already_draining", false},
                                                {"current_operations", boost::json::array{}}});
    }
    const std::string prefix = "/api/v1/operations/";
    if (path.starts_with(prefix)) {
        const std::string rest = path.substr(prefix.size());
        if (method == "GET" && rest.find('/') == std::string::npos)
            return ScriptedAnswer::json(
                200, object{{"success", true},
                            {"data", object{{"operation_id", rest},
                                            {"operation_type", "scripted"},
                                            {"status", "running"},
                                            {"progress", object{{"percentage", 50.0},
                                                                {"current_step", "half way"},
                                                                {"estimated_remaining_seconds", 1.0}}},
                                            {"metadata", object{}},
                                            {"result", nullptr},
                                            {"error_message", nullptr},
                                            {"created_at", "2025-01-31T12:00:00.000Z"},
                                            {"updated_at", "2025-01-31T12:00:00.500Z"},
                                            {"started_at", "2025-01-31T12:00:00.001Z"},
                                            {"completed_at", nullptr}}}});
        switch (fault) {
            case Fault::ServerError:
                return ScriptedAnswer::json(500, object{{"success", false}, {"error", "scripted worker failure"}});
            case Fault::HangUp: return ScriptedAnswer::close_connection();
            case Fault::NotFound:
                return ScriptedAnswer::json(404, object{{"success", false}, {"error", "operation '" + rest + "' not found"}});
        }
    }
    return ScriptedAnswer::json(404, object{{"success", false}, {"error", "no route"}});
}

// A backend of its own whose only echo worker is gone: a run, then a re-run,
// find no worker (503). The run is taken while a worker is registered (at an
// address nobody listens on, so it waits in the queue).
void runs_without_workers(ContractChecker& checker) {
    BackendUnderTest lonely({"--token", kToken});
    ContractSession api("backend without workers", checker, lonely.port(), kToken);
    const std::string run = "/api/v1/admin/workers/run";
    api.expect(503, "POST", run, body_of(object{{"bot", "echo"}}));
    const object ghost{{"worker_id", "contract-ghost"},
                       {"worker_type", "echo"},
                       {"endpoint_url", "http://127.0.0.1:" + std::to_string(fleet::test::free_loopback_port())}};
    api.expect(200, "POST", "/api/v1/workers/register", body_of(ghost));
    const auto taken = api.expect(201, "POST", run, body_of(object{{"bot", "echo"}}));
    api.expect(200, "DELETE", "/api/v1/workers/contract-ghost");
    api.expect(503, "POST", "/api/v1/admin/workers/runs/" + taken.text("run_id") + "/rerun");
}

// DESIGN.md: "While the backend is shutting down it answers 503 with
// Retry-After." Registers with a backend of its own, sends it SIGTERM and
// keeps registering until it no longer answers.
void register_during_shutdown(ContractChecker& checker) {
    BackendUnderTest closing({"--shutdown-grace", "10s"});  // a window that a loaded machine cannot miss
    ContractSession api("backend shutting down", checker, closing.port(), "");
    const std::string registration = body_of(
        object{{"worker_id", "contract-late"}, {"worker_type", "echo"}, {"endpoint_url", "http://127.0.0.1:9"}});
    api.expect(200, "POST", "/api/v1/workers/register", registration);
    closing.process().signal(SIGTERM);
    bool refused_with_503 = false;
    std::string last = "an answer";
    fleet::test::eventually(
        [&] {
            auto raw = raw_exchange(closing.port(), http_request("POST", "/api/v1/workers/register", registration, ""),
                                    std::chrono::seconds(2));
            if (!raw.ok()) {
                last = raw.error;
                return true;  // gone: nothing more will answer
            }
            refused_with_503 = api.record(Exchange{"POST", "/api/v1/workers/register", true, std::move(raw)}).status() == 503;
            return refused_with_503;
        },
        std::chrono::seconds(5));
    INFO("after SIGTERM the backend never answered a registration with 503; the last attempt got: " << last);
    CHECK(refused_with_503);
}

}  // namespace

TEST_CASE("backend answers match proto_docs/openapi/backend.yaml", "[contract]") {
    const auto began = std::chrono::steady_clock::now();
    const auto document = OpenApiDocument::load(document_path("backend.yaml"));
    ContractChecker checker(document, ValidationOptions{true});
    ScratchDir scratch;

    BackendUnderTest backend({"--token", kToken});
    ContractSession api("backend", checker, backend.port(), kToken);
    auto session_for = [&](const std::string&) -> ContractSession& { return api; };
    auto read_timeouts = start_read_timeout_probes(
        document, [&](const std::string&) { return backend.port(); }, std::chrono::seconds(20));

    BackendWorker echo(backend, "echo", "contract-echo");
    BackendWorker backtest(backend, "backtest", "contract-backtest");
    BackendWorker processing(backend, "data_processing", "contract-data");
    std::atomic<Fault> fault{Fault::ServerError};
    ScriptedWorker scripted([&](const std::string& method, const std::string& target, const std::string& body) {
        return scripted_answer(method, target, body, fault.load());
    });

    // Health, metrics and routing.
    api.expect(200, "GET", "/health");
    api.expect(200, "GET", "/metrics");
    api.expect(200, "GET", "/openapi.yaml", std::nullopt, Credentials::None);
    api.expect(200, "GET", "/docs", std::nullopt, Credentials::None);
    api.expect(404, "GET", "/no/such/path");
    api.expect(405, "PUT", "/api/v1/workers");
    api.expect(405, "GET", "/api/v1/echo/start");

    // The dashboard's files: no token needed, and a 304 to the ETag just given.
    api.expect(301, "GET", "/ui", std::nullopt, Credentials::None);
    api.expect(200, "GET", "/ui/app.js", std::nullopt, Credentials::None);
    api.expect(404, "GET", "/ui/no-such-file.js", std::nullopt, Credentials::None);
    for (const std::string target : {"/ui/", "/ui/app.css"}) {
        const auto etag = api.expect(200, "GET", target, std::nullopt, Credentials::None).raw.header("ETag");
        REQUIRE(etag);
        const auto unchanged = api.record(Exchange{
            "GET", target, false,
            raw_exchange(api.port(), "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n" +
                                         "If-None-Match: \"other\", " + *etag + "\r\n\r\n")});
        CHECK(unchanged.status() == 304);
        CHECK(unchanged.raw.body.empty());
    }

    // The registry.
    const object scripted_registration{{"worker_id", "contract-scripted"},
                                       {"worker_type", "scripted"},
                                       {"domain", "scripted"},
                                       {"endpoint_url", scripted.url()},
                                       {"capabilities", object{{"cores", 2}, {"gpu", false}}},
                                       {"max_concurrent", 1},
                                       {"version", "contract"}};
    const std::string register_path = "/api/v1/workers/register";
    const auto registered = api.expect(200, "POST", register_path, body_of(scripted_registration));
    const std::string instance_id = registered.text("instance_id");
    api.expect(400, "POST", register_path, std::string("{not json"));
    api.expect(400, "POST", register_path, with_field(scripted_registration, "favourite_colour", "blue"));
    api.expect(400, "POST", register_path, with_field(scripted_registration, "endpoint_url", "ftp://127.0.0.1:1"));
    api.expect(400, "POST", register_path, with_field(scripted_registration, "worker_id", "not plain"));
    api.expect(400, "POST", register_path, with_field(scripted_registration, "max_concurrent", "two"));
    api.expect(200, "GET", "/api/v1/workers");
    api.expect(200, "GET", "/api/v1/workers?worker_type=echo&status=AVAILABLE");
    api.expect(400, "GET", "/api/v1/workers?status=LOST");
    api.expect(200, "GET", "/api/v1/workers/contract-echo");
    api.expect(200, "GET", "/api/v1/workers/contract-scripted");
    api.expect(404, "GET", "/api/v1/workers/nobody");
    api.expect(404, "GET", "/api/v1/workers/register");  // /api/v1/workers/{id} with id `register`
    api.expect(400, "GET", "/api/v1/workers/not%20plain");
    const object leaver{{"worker_id", "contract-leaver"},
                        {"worker_type", "leaver"},
                        {"endpoint_url", "http://127.0.0.1:" + std::to_string(fleet::test::free_loopback_port())}};
    api.expect(200, "POST", register_path, body_of(leaver));
    api.expect(200, "DELETE", "/api/v1/workers/contract-leaver");
    api.expect(404, "DELETE", "/api/v1/workers/contract-leaver");
    api.expect(400, "DELETE", "/api/v1/workers/not%20plain");

    // A quick echo run through the backend, read every way, then refused where it is final.
    const auto quick = api.expect(200, "POST", "/api/v1/echo/start",
                                  body_of(object{{"duration_ms", 200}, {"steps", 2}, {"note", "contract"},
                                                 {"priority", 1}, {"max_retries", 0}}));
    const std::string quick_path = "/api/v1/operations/" + quick.text("operation_id");
    REQUIRE(quick_path.size() > 19);
    api.wait_for_status(quick_path, "completed");
    api.expect(200, "GET", quick_path + "?force_refresh=true");
    api.expect(400, "GET", quick_path + "?force_refresh=maybe");
    api.expect(200, "GET", quick_path + "/metrics?limit=1");
    api.expect(400, "GET", quick_path + "/metrics?cursor=abc");
    api.expect(400, "GET", quick_path + "/metrics?limit=5000");
    api.expect(200, "POST", quick_path + "/events", body_of(object{{"status", "completed"}}));  // already final
    api.expect(400, "POST", quick_path + "/events", std::string("{not json"));
    api.expect(409, "DELETE", quick_path + "/cancel");
    api.expect(404, "GET", "/api/v1/operations/op_000000000000");
    api.expect(400, "GET", "/api/v1/operations/not%20plain");
    api.expect(404, "GET", "/api/v1/operations/op_000000000000/metrics");
    api.expect(400, "GET", "/api/v1/operations/not%20plain/metrics");
    api.expect(404, "DELETE", "/api/v1/operations/op_000000000000/cancel");
    api.expect(400, "DELETE", "/api/v1/operations/not%20plain/cancel");
    api.expect(404, "POST", "/api/v1/operations/op_000000000000/events", std::string("{}"));
    api.expect(400, "POST", "/api/v1/operations/not%20plain/events", std::string("{}"));
    api.expect(200, "POST", "/api/v1/operations/events",
               body_of(object{{"events", boost::json::array{object{{"operation_id", quick.text("operation_id")},
                                                                   {"status", "completed"}},
                                                            object{{"operation_id", "op_000000000000"}}}}}));
    api.expect(400, "POST", "/api/v1/operations/events", body_of(object{{"events", boost::json::array{}}}));

    // The only echo worker busy with a long run: the next start queues.
    const auto running = api.expect(200, "POST", "/api/v1/echo/start", body_of(object{{"duration_ms", 60000}, {"steps", 600}}));
    const auto queued = api.expect(202, "POST", "/api/v1/echo/start", body_of(object{{"duration_ms", 100}, {"steps", 1}}));
    CHECK(queued.text("status") == "queued");
    const std::string running_path = "/api/v1/operations/" + running.text("operation_id");
    const std::string queued_path = "/api/v1/operations/" + queued.text("operation_id");
    api.expect(200, "GET", queued_path);
    api.expect(200, "GET", queued_path + "/metrics");
    api.expect(200, "POST", queued_path + "/events", body_of(object{{"status", "running"}}));  // ignored while queued
    api.expect(200, "DELETE", queued_path + "/cancel");                                         // cancelled in place
    api.wait_for_status(running_path, "running");
    api.expect(200, "GET", running_path + "?force_refresh=true");
    api.expect(200, "GET", running_path + "/metrics");
    // A notice from another instance than the one the operation was given to is ignored (fencing).
    api.expect(200, "POST", running_path + "/events",
               body_of(object{{"instance_id", "i-000000000000"}, {"status", "completed"}}));
    api.expect(200, "DELETE", running_path + "/cancel");
    api.wait_for_status(running_path, "cancelled");
    api.expect(409, "DELETE", running_path + "/cancel");

    // Starts the backend refuses, and one the worker refuses (relayed).
    const object backtest_request{{"symbol", "AAPL"}, {"timeframe", "1h"}, {"data_file", sample_file("AAPL_1h.csv")},
                                  {"fast", 10},       {"slow", 30}};
    api.expect(404, "POST", "/api/v1/nowhere/start", std::string("{}"));
    api.expect(422, "POST", "/api/v1/echo/start", body_of(object{{"requirements", object{{"cores", 100000}}}}));
    api.expect(400, "POST", "/api/v1/echo/start", std::string("{not json"));
    api.expect(400, "POST", "/api/v1/echo/start", body_of(object{{"priority", "high"}}));
    api.expect(400, "POST", "/api/v1/echo/start", body_of(object{{"max_retries", 1000}}));
    api.expect(400, "POST", "/api/v1/not%20plain/start", std::string("{}"));
    api.expect(400, "POST", "/api/v1/backtests/start", with_field(backtest_request, "timeframe", "7x"));

    // A backtest and a processing run through the backend, to their results.
    const auto backtest_run = api.expect(200, "POST", "/api/v1/backtests/start", body_of(backtest_request));
    const std::string backtest_path = "/api/v1/operations/" + backtest_run.text("operation_id");
    api.wait_for_status(backtest_path, "completed");
    api.expect(200, "GET", backtest_path + "/metrics");
    const object processing_request{{"source_file", sample_file("sensor_readings.csv")},
                                    {"output_file", scratch.file("sensor_readings.out.csv")},
                                    {"operations", boost::json::array{"clean", "validate"}}};
    const auto processing_run = api.expect(200, "POST", "/api/v1/data-processing/start", body_of(processing_request));
    api.wait_for_status("/api/v1/operations/" + processing_run.text("operation_id"), "completed");

    // Lists.
    api.expect(200, "GET", "/api/v1/operations");
    api.expect(200, "GET", "/api/v1/operations?operation_type=echo&status=completed&worker_id=contract-echo&limit=5&offset=0");
    api.expect(400, "GET", "/api/v1/operations?status=bogus");
    api.expect(400, "GET", "/api/v1/operations?limit=5000");
    api.expect(400, "GET", "/api/v1/operations?offset=-1");

    // Admin runs: one to the end, read every way; a re-run; overlaps, keys, refusals.
    const std::string run_path = "/api/v1/admin/workers/run";
    const std::string runs_path = "/api/v1/admin/workers/runs";
    const object quick_run{{"bot", "echo"}, {"params", object{{"duration_ms", 200}, {"steps", 2}}}};
    const auto admin_run = api.expect(201, "POST", run_path, body_of(quick_run));
    const std::string admin_run_path = runs_path + "/" + admin_run.text("run_id");
    api.poll_until(admin_run_path, [](const Answer& a) { return a.text("status") == "finished"; });
    api.expect(200, "GET", runs_path);
    api.expect(200, "GET", runs_path + "?bot=echo&status=finished&since=2020-01-01T00:00:00Z&limit=5&offset=0");
    api.expect(400, "GET", runs_path + "?status=completed");
    api.expect(400, "GET", runs_path + "?since=yesterday");
    api.expect(400, "GET", runs_path + "?limit=0");
    api.expect(404, "GET", runs_path + "/op_000000000000");
    api.expect(400, "GET", runs_path + "/not%20plain");
    api.expect(400, "POST", run_path, std::string("{not json"));
    api.expect(400, "POST", run_path, body_of(object{{"bot", "teleport"}}));
    api.expect(400, "POST", run_path, body_of(object{{"bot", "echo"}, {"params", object{{"steps", "many"}}}}));
    api.expect(400, "POST", run_path, body_of(object{{"bot", "echo"}, {"city", "rotterdam"}}));
    const auto rerun = api.expect(201, "POST", admin_run_path + "/rerun", std::string("{}"));
    api.poll_until(runs_path + "/" + rerun.text("run_id"), [](const Answer& a) { return a.text("status") == "finished"; });
    api.expect(404, "POST", runs_path + "/op_000000000000/rerun");
    api.expect(400, "POST", admin_run_path + "/rerun", body_of(object{{"strict", "yes"}}));
    api.expect(400, "POST", runs_path + "/not%20plain/rerun");
    // A long run: the next one of the bot overlaps it (a warning), strict ones are refused.
    const auto long_run = api.expect(201, "POST", run_path,
                                     body_of(object{{"bot", "echo"}, {"params", object{{"duration_ms", 60000}, {"steps", 600}}}}));
    const std::string long_run_path = runs_path + "/" + long_run.text("run_id");
    api.poll_until(long_run_path, [](const Answer& a) { return a.text("status") == "running"; });
    const auto overlapping = api.expect(201, "POST", run_path, body_of(quick_run));
    CHECK(overlapping.text("overlapping_run_id") == long_run.text("run_id"));
    api.expect(409, "POST", run_path, with_field(quick_run, "strict", true));
    api.expect(409, "POST", admin_run_path + "/rerun", body_of(object{{"strict", true}}));
    // The same Idempotency-Key with another request.
    const auto keyed = [&](const std::string& target, const object& body) {
        return api.record(Exchange{"POST", target, true,
                                   raw_exchange(backend.port(), with_header(http_request("POST", target, body_of(body), kToken),
                                                                            "Idempotency-Key: contract-key"))});
    };
    const auto first_keyed = keyed(run_path, quick_run);
    CHECK(first_keyed.status() == 201);
    const auto replayed = keyed(run_path, quick_run);  // the first run again
    CHECK(replayed.status() == 201);
    CHECK(replayed.raw.header("Idempotent-Replayed") == std::optional<std::string>("true"));
    CHECK(replayed.text("run_id") == first_keyed.text("run_id"));
    CHECK(keyed(run_path, object{{"bot", "echo"}}).status() == 422);
    CHECK(keyed(admin_run_path + "/rerun", object{}).status() == 422);
    api.expect(200, "DELETE", long_run_path + "/cancel");
    api.poll_until(long_run_path, [](const Answer& a) { return a.text("status") == "cancelled"; });
    // What queued behind it runs now; the echo worker is idle again before the starts below.
    for (const auto* queued_run : {&overlapping, &first_keyed})
        api.poll_until(runs_path + "/" + queued_run->text("run_id"),
                       [](const Answer& a) { return a.text("status") == "finished"; });
    api.expect(409, "DELETE", long_run_path + "/cancel");
    api.expect(404, "DELETE", runs_path + "/op_000000000000/cancel");
    api.expect(400, "DELETE", runs_path + "/not%20plain/cancel");
    runs_without_workers(checker);

    // Workflows, on the scripted worker; it answers cancels with 404, so a cancelled attempt ends at once.
    fault = Fault::NotFound;
    exercise_workflows(api, "scripted");
    exercise_schedules(api);

    // Faults of a worker, relayed: 5xx, a connection closed unanswered, an operation it does not know.
    const auto scripted_run = api.expect(200, "POST", "/api/v1/scripted/start", body_of(object{{"anything", 1}}));
    const std::string scripted_id = scripted_run.text("operation_id");
    const std::string scripted_path = "/api/v1/operations/" + scripted_id;
    api.expect(200, "POST", scripted_path + "/events",
               body_of(object{{"operation_id", scripted_id},
                              {"instance_id", instance_id},
                              {"status", "running"},
                              {"progress", object{{"percentage", 25.0},
                                                  {"current_step", "a quarter"},
                                                  {"estimated_remaining_seconds", 3.0}}}}));
    fault = Fault::ServerError;
    api.expect(500, "GET", scripted_path + "/metrics");
    api.expect(500, "DELETE", scripted_path + "/cancel");
    fault = Fault::HangUp;
    api.expect(502, "GET", scripted_path + "/metrics");
    api.expect(502, "DELETE", scripted_path + "/cancel");
    fault = Fault::NotFound;
    api.expect(404, "GET", scripted_path + "/metrics");
    api.expect(200, "DELETE", scripted_path + "/cancel");  // the worker does not have it: cancelled here
    api.expect(409, "DELETE", scripted_path + "/cancel");
    api.expect(200, "GET", scripted_path);

    // A body the backend takes but the worker does not once `task_id` is added: the worker's 413, relayed.
    const std::string padding(1'048'576 - 4 - std::string(R"({"pad":""})").size(), 'x');
    api.expect(413, "POST", "/api/v1/echo/start", body_of(object{{"pad", padding}}));

    // Draining from the backend: a worker that hangs up keeps its status; one that agrees drains once.
    const std::string drain_path = "/api/v1/workers/contract-scripted/drain";
    fault = Fault::HangUp;
    api.expect(502, "POST", drain_path);
    fault = Fault::NotFound;
    const auto drained = api.expect(202, "POST", drain_path);
    CHECK(drained.text("status") == "DRAINING");
    api.expect(409, "POST", drain_path);
    api.expect(404, "POST", "/api/v1/workers/nobody/drain");
    api.expect(400, "POST", "/api/v1/workers/not%20plain/drain");

    // Registering again with an operation the backend did not give it: it must stop it.
    const auto again = api.expect(200, "POST", register_path,
                                  with_field(scripted_registration, "current_operation_id", "op_000000000000"));
    CHECK(again.object().at("stop_operations").as_array().size() == 1);
    api.expect(200, "GET", "/api/v1/workers");
    api.expect(400, "GET", "/api/v1/events?types=bogus");
    api.expect(200, "GET", "/health");
    api.expect(200, "GET", "/metrics");

    // The refusals every endpoint shares: token, HTTP layer, read timeout; and a shutdown.
    probe_authentication(document, session_for);
    // What carries a worker's result takes the default --max-result-bytes (16 MiB) plus 2 MiB.
    probe_http_layer(document, session_for, [](const std::string& path) {
        const bool carries_result = path == "/api/v1/workers/register" ||
                                    (path.starts_with("/api/v1/operations/") && path.ends_with("/events"));
        return std::size_t{carries_result ? 18u : 1u} * 1024 * 1024;
    });
    register_during_shutdown(checker);
    finish_read_timeout_probes(read_timeouts, session_for);

    require_full_coverage(checker, "backend.yaml", backend_exemption);
    const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - began);
    WARN("backend.yaml contract run took " << took.count() << " ms");
}
