// The KTRDR "Distributed Workers Developer Guide" (seed 001), run as its readers
// run it: every request it shows, with its path and body copied verbatim, against
// a real fleet-backend and a real data_processing fleet-worker on free loopback
// ports. `http://localhost:8000` is the backend and `http://localhost:5005` the
// worker; the answers must have the fields the guide shows.
//
// The guide's text is not read at test time (CI has no ../shared); what it says
// is copied here, with the section it comes from. Its JSON examples carry
// `// ...` annotations, which are not part of what a client sends: the bodies
// below are those examples without them.
#include "tests/integration/backend_fixture.hpp"

#include <filesystem>
#include <fstream>

using namespace fleet;
using namespace fleet::test;
using boost::json::object;

namespace {

// The worker id the guide's examples use (Checking Worker Registry, Worker API Reference).
constexpr const char* kGuideWorkerId = "data-processing-worker-1";

// Step 7 "Test Your Worker" and "Worker Development Patterns": through the backend.
constexpr const char* kStep7Path = "/api/v1/data-processing/start";
constexpr const char* kStep7Body = R"({"source_file": "test.csv", "operations": ["clean", "transform"]})";

// Testing Workers, "Manual Testing with curl" step 3, and the integration test
// `test_operation_dispatch_and_progress`.
constexpr const char* kManualStartBody = R"({"source_file": "test.csv", "operations": ["clean"]})";

// Unit tests of the guide, against the worker: `test_start_endpoint_accepts_task_id`
// and `test_start_endpoint_generates_id_if_not_provided`.
constexpr const char* kWorkerStartPath = "/data-processing/start";
constexpr const char* kTaskIdBody =
    R"({"task_id": "test-operation-123", "source_file": "test.csv", "operations": ["clean"]})";
constexpr const char* kNoTaskIdBody = R"({"source_file": "test.csv", "operations": ["clean"]})";

// Worker API Reference, "POST /{domain}/start", the data-processing request.
constexpr const char* kReferenceStartBody = R"({
    "task_id": "optional-backend-operation-id",
    "source_file": "data/input.csv",
    "operations": ["clean", "transform", "validate"],
    "estimated_rows": 10000
})";

// A folder the worker runs in, holding the files the guide's requests name by
// relative paths: test.csv, and data/input.csv with `input_rows` rows (enough
// that an operation over it is still running when the test busies and cancels it).
class GuideFiles {
public:
    explicit GuideFiles(int input_rows = 10) : dir_(fresh_db_path().replace_extension("")) {
        std::filesystem::create_directories(dir_ / "data");
        std::ofstream(dir_ / "test.csv") << "date, open ,close\n2025-11-10,1.5,2\n\n2025-11-11, 2 ,3.25\nbroken\n";
        std::ofstream input(dir_ / "data" / "input.csv");
        input << "id,value,label\n";
        for (int i = 0; i < input_rows; ++i) input << i << ',' << (i % 997) * 0.5 << ",row" << i % 13 << '\n';
    }
    ~GuideFiles() {
        std::error_code ignored;
        std::filesystem::remove_all(dir_, ignored);
    }
    GuideFiles(const GuideFiles&) = delete;
    GuideFiles& operator=(const GuideFiles&) = delete;

    std::string path() const { return dir_.string(); }

private:
    std::filesystem::path dir_;
};

// The worker as the guide deploys it: a data_processing worker registered with
// the backend under the guide's id, with default capabilities.
class GuideWorker : public WorkerUnderTest {
public:
    GuideWorker(BackendUnderTest& backend, const GuideFiles& files)
        : WorkerUnderTest("data_processing",
                          {"--backend-url", backend.url(), "--worker-id", kGuideWorkerId, "--health-interval", "200ms"},
                          {}, files.path()) {
        INFO("worker output:\n" << process().output());
        REQUIRE(eventually([&] { return backend.worker_status(kGuideWorkerId) == "AVAILABLE"; }));
    }
};

bool worker_idle(http::BlockingHttpClient& client, const WorkerUnderTest& worker) {
    const auto response = client.get(worker.url() + "/health");
    return response.status == 200 && boost::json::parse(response.body).at("worker_status") == "idle";
}

object parsed(const http::ClientResponse& response, int expected_status) {
    INFO("status " << response.status << " body " << response.body);
    auto body = json_of(response);
    REQUIRE(response.status == expected_status);
    return body;
}

// What the guide shows of an operation (Worker API Reference, GET /api/v1/operations/{operation_id}).
void check_operation_shape(const object& answer, const std::string& id) {
    CHECK(answer.at("success") == true);
    const auto& data = answer.at("data").as_object();
    CHECK(data.at("operation_id") == boost::json::value(id));
    CHECK(data.at("operation_type") == "data_processing");
    const std::string status(data.at("status").as_string());
    CHECK((status == "pending" || status == "running" || status == "completed" || status == "failed" ||
           status == "cancelled"));
    const auto& progress = data.at("progress").as_object();
    CHECK(progress.at("percentage").is_number());
    CHECK(progress.at("current_step").is_string());
    CHECK(progress.contains("estimated_remaining_seconds"));
    CHECK(data.at("created_at").is_string());
    CHECK(data.at("updated_at").is_string());
}

}  // namespace

TEST_CASE("seed guide: the registry shows the worker as the guide does", "[integration][seed-guide]") {
    BackendUnderTest backend;
    GuideFiles files;
    GuideWorker worker(backend, files);
    http::BlockingHttpClient client;
    // The guide's listing shows a worker the backend has health-checked once.
    REQUIRE(eventually([&] {
        const auto entry = backend.worker(kGuideWorkerId);
        return entry && entry->at("last_health_check").is_string();
    }));

    // Manual Testing step 1 and "View All Workers": curl http://localhost:8000/api/v1/workers | jq
    const auto listed = client.get(backend.url() + "/api/v1/workers");
    REQUIRE(listed.status == 200);
    const auto workers = boost::json::parse(listed.body).as_array();
    REQUIRE(workers.size() == 1);
    const auto& entry = workers.at(0).as_object();
    CHECK(entry.at("worker_id") == kGuideWorkerId);
    CHECK(entry.at("worker_type") == "data_processing");  // "Expected: data_processing"
    CHECK(entry.at("endpoint_url") == boost::json::value(worker.url()));
    CHECK(entry.at("status") == "AVAILABLE");
    // "capabilities": {"cores": 8, "memory_gb": 16}
    const auto& capabilities = entry.at("capabilities").as_object();
    CHECK(capabilities.at("cores").is_number());
    CHECK(capabilities.at("cores").to_number<double>() >= 1);
    CHECK(capabilities.at("memory_gb").is_number());
    CHECK(capabilities.at("memory_gb").to_number<double>() > 0);
    CHECK_FALSE(capabilities.contains("memory_mb"));
    CHECK(entry.at("last_health_check").is_string());
    CHECK(entry.at("health_check_failures") == 0);

    // "Check Specific Worker": WORKER_ID="data-processing-worker-1"; curl "http://localhost:8000/api/v1/workers/$WORKER_ID"
    const auto one = parsed(client.get(backend.url() + "/api/v1/workers/" + kGuideWorkerId), 200);
    CHECK(one.at("worker_id") == kGuideWorkerId);

    // Common Causes 3: curl http://localhost:8000/health ("Should return 200 OK")
    CHECK(client.get(backend.url() + "/health").status == 200);
}

TEST_CASE("seed guide: the worker's health answer is the guide's", "[integration][seed-guide]") {
    BackendUnderTest backend;
    GuideFiles files;
    GuideWorker worker(backend, files);
    http::BlockingHttpClient client;

    // Manual Testing step 2, Health Check Debugging: curl http://localhost:5005/health | jq
    const auto health = parsed(client.get(worker.url() + "/health"), 200);
    CHECK(health.at("healthy") == true);
    CHECK(health.at("service") == "data-processing-worker");
    CHECK(health.at("status") == "operational");
    CHECK(health.at("worker_status") == "idle");
    CHECK(health.at("current_operation").is_null());
    const std::string timestamp(health.at("timestamp").as_string());
    CHECK(timestamp.size() == 24);  // "2025-11-10T10:30:00.123Z"
    CHECK(timestamp.back() == 'Z');

    // test_operations_endpoint_exists: GET /api/v1/operations answers 200, empty at first.
    const auto operations = parsed(client.get(worker.url() + "/api/v1/operations"), 200);
    CHECK(operations.at("success") == true);
    CHECK(operations.at("data").at("operations").as_array().empty());
    CHECK(operations.at("data").at("total") == 0);
    CHECK(operations.at("data").at("limit") == 100);
    CHECK(operations.at("data").at("offset") == 0);
}

TEST_CASE("seed guide: operations started through the backend as the guide writes them complete",
          "[integration][seed-guide]") {
    BackendUnderTest backend;
    GuideFiles files;
    GuideWorker worker(backend, files);
    http::BlockingHttpClient client;

    for (const char* body : {kStep7Body, kManualStartBody}) {
        INFO(body);
        // curl -X POST http://localhost:8000/api/v1/data-processing/start -H "Content-Type: application/json" -d '...'
        const auto started = parsed(client.post(backend.url() + kStep7Path, body), 200);
        CHECK(started.at("success") == true);
        CHECK(started.at("status") == "started");
        CHECK(started.at("worker_id") == kGuideWorkerId);
        const std::string id(started.at("operation_id").as_string());  // jq -r '.operation_id'

        // Step 4, poll progress: curl -s http://localhost:8000/api/v1/operations/$OPERATION_ID
        backend.wait_for_status(id, "completed");
        const auto through_backend = parsed(client.get(backend.url() + "/api/v1/operations/" + id), 200);
        check_operation_shape(through_backend, id);
        // test_operation_dispatch_and_progress: completed, progress at 100.
        CHECK(through_backend.at("data").at("progress").at("percentage").to_number<double>() == 100);
        const auto& result = through_backend.at("data").at("result").as_object();
        // The guide's complete_operation: rows_processed, output_file, duration_seconds.
        CHECK(result.at("rows_processed") == 4);
        // Written next to the source, in the worker's working directory.
        CHECK(result.at("output_file") == "test.processed.csv");
        CHECK(std::filesystem::file_size(files.path() + "/test.processed.csv") > 0);
        CHECK(result.at("duration_seconds").is_number());

        // Step 5, query the worker directly: curl http://localhost:5005/api/v1/operations/$OPERATION_ID | jq
        // "Should return same data as backend".
        const auto direct = parsed(client.get(worker.url() + "/api/v1/operations/" + id), 200);
        check_operation_shape(direct, id);
        CHECK(direct.at("data").at("status") == "completed");
        CHECK(direct.at("data").at("result") == through_backend.at("data").at("result"));
    }
}

TEST_CASE("seed guide: the worker's own start, busy, metrics and cancel answers", "[integration][seed-guide]") {
    BackendUnderTest backend;
    GuideFiles files(1'000'000);
    GuideWorker worker(backend, files);
    http::BlockingHttpClient client;
    const std::string start_url = worker.url() + kWorkerStartPath;

    // test_start_endpoint_accepts_task_id: the operation id is the task_id.
    const auto with_task = parsed(client.post(start_url, kTaskIdBody), 200);
    CHECK(with_task.at("success") == true);
    CHECK(with_task.at("operation_id") == "test-operation-123");
    CHECK(with_task.at("status") == "started");
    CHECK(with_task.at("worker_id") == kGuideWorkerId);
    REQUIRE(eventually([&] { return worker_idle(client, worker); }));

    // test_start_endpoint_generates_id_if_not_provided: an id of the worker's own
    // (the guide's worker writes worker_dp_<hex>; the contract's is worker_<12 hex>).
    const auto without_task = parsed(client.post(start_url, kNoTaskIdBody), 200);
    CHECK(without_task.at("operation_id").as_string().starts_with("worker_"));
    REQUIRE(eventually([&] { return worker_idle(client, worker); }));

    // Worker API Reference, the data-processing request; the answer's operation_id is the task_id.
    const auto reference = parsed(client.post(start_url, kReferenceStartBody), 200);
    CHECK(reference.at("success") == true);
    CHECK(reference.at("operation_id") == "optional-backend-operation-id");
    CHECK(reference.at("status") == "started");
    CHECK(reference.at("worker_id") == kGuideWorkerId);

    // "Error Response (worker busy)": {"error": "Worker busy", "current_operation": "XYZ789", "status_code": 503}
    const auto busy = parsed(client.post(start_url, kNoTaskIdBody), 503);
    CHECK(busy.at("error") == "Worker busy");
    CHECK(busy.at("current_operation") == "optional-backend-operation-id");
    CHECK(busy.at("status_code") == 503);

    // GET /api/v1/operations/{operation_id}: the progress the guide's bridge reports.
    const std::string id = "optional-backend-operation-id";
    object running;
    REQUIRE(eventually([&] {
        running = parsed(client.get(worker.url() + "/api/v1/operations/" + id), 200);
        return running.at("data").at("status") == "running" &&
               running.at("data").at("progress").as_object().contains("current_operation");
    }));
    check_operation_shape(running, id);
    const auto& progress = running.at("data").at("progress").as_object();
    CHECK(progress.at("total_rows").is_number());
    CHECK(progress.at("current_row").is_number());
    CHECK(progress.at("current_operation").is_string());

    // GET /api/v1/operations/{operation_id}/metrics
    const auto metrics = parsed(client.get(worker.url() + "/api/v1/operations/" + id + "/metrics"), 200);
    CHECK(metrics.at("success") == true);
    CHECK(metrics.at("data").at("operation_id") == boost::json::value(id));
    CHECK(metrics.at("data").at("metrics").is_array());
    CHECK(metrics.at("data").as_object().contains("cursor"));
    CHECK(metrics.at("data").at("has_more").is_bool());

    // DELETE /api/v1/operations/{operation_id}/cancel → {"success": true, "message": ...}
    http::ClientRequest cancel{http::Method::Delete, worker.url() + "/api/v1/operations/" + id + "/cancel"};
    const auto cancelled = parsed(client.send(cancel), 200);
    CHECK(cancelled.at("success") == true);
    CHECK(cancelled.at("message").is_string());
    REQUIRE(eventually([&] {
        return parsed(client.get(worker.url() + "/api/v1/operations/" + id), 200).at("data").at("status") ==
               "cancelled";
    }));

    // GET /api/v1/operations: every one of them, in the guide's list shape.
    const auto list = parsed(client.get(worker.url() + "/api/v1/operations"), 200);
    CHECK(list.at("success") == true);
    CHECK(list.at("data").at("total") == 3);
    CHECK(list.at("data").at("operations").as_array().size() == 3);
    CHECK(list.at("data").at("limit") == 100);
    CHECK(list.at("data").at("offset") == 0);
}
