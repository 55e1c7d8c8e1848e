#pragma once

#include "common/http/message.hpp"
#include "tests/integration/worker_fixture.hpp"
#include "tests/support/ports.hpp"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <stdexcept>

namespace fleet::test {

// A path in the temp directory that no other fixture (or test run) uses.
inline std::filesystem::path fresh_db_path() {
    static std::atomic<int> counter{0};
    std::random_device random;
    return std::filesystem::temp_directory_path() /
           ("fleet_backend_it_" + std::to_string(::getpid()) + "_" + std::to_string(counter++) + "_" +
            std::to_string(random()) + ".db");
}

// A real fleet-backend on loopback with a SQLite file of its own (removed,
// with its -wal and -shm, when the fixture goes). Health checks run every
// 200 ms unless `extra` says otherwise. With `port` 0 the backend picks a
// free port; give free_loopback_port() to keep the address across restart().
class BackendUnderTest {
public:
    explicit BackendUnderTest(std::vector<std::string> extra = {}, std::uint16_t port = 0)
        : extra_(std::move(extra)), fixed_port_(port), db_(fresh_db_path()) {
        if (std::find(extra_.begin(), extra_.end(), "--health-interval") == extra_.end())
            extra_.insert(extra_.end(), {"--health-interval", "200ms"});
        // The thread layout CTest asks for (tests/CMakeLists.txt), else the machine's default. Not a
        // FLEET_* variable of the backend's own: Process gives a child none the test did not name.
        if (const char* io_threads = std::getenv("FLEET_TEST_BACKEND_IO_THREADS");
            io_threads && std::find(extra_.begin(), extra_.end(), "--io-threads") == extra_.end())
            extra_.insert(extra_.end(), {"--io-threads", io_threads});
        if (auto it = std::find(extra_.begin(), extra_.end(), "--token"); it != extra_.end() && it + 1 != extra_.end())
            token_ = *(it + 1);
        launch();
    }

    ~BackendUnderTest() {
        process_.reset();  // SIGKILL if still running, and reaped, before its files go
        std::error_code ignored;
        for (const char* suffix : {"", "-wal", "-shm"})
            std::filesystem::remove(db_.string() + suffix, ignored);
    }

    BackendUnderTest(const BackendUnderTest&) = delete;
    BackendUnderTest& operator=(const BackendUnderTest&) = delete;

    const std::string& url() const { return url_; }
    std::uint16_t port() const { return port_; }
    const std::string& token() const { return token_; }
    const std::filesystem::path& db() const { return db_; }
    Process& process() { return *process_; }

    // kill -9, then the same program on the same db file (and the same port when one was given).
    void restart() {
        kill9();
        launch();
    }

    void kill9() {
        process_->signal(SIGKILL);
        REQUIRE(process_->wait(std::chrono::seconds(10)).has_value());
    }

    // After kill9(): the same program on the same db file (and port, when one was given).
    void start_again() { launch(); }

    // Calls with the backend's token (if it has one).
    http::ClientResponse get(const std::string& path) { return client_.get(url_ + path, token_); }
    http::ClientResponse post(const std::string& path, const std::string& body) {
        return client_.post(url_ + path, body, token_);
    }
    http::ClientResponse del(const std::string& path) { return client_.del(url_ + path, token_); }
    // A POST with an Idempotency-Key header (none when `idempotency_key` is empty).
    http::ClientResponse post(const std::string& path, const std::string& body, const std::string& idempotency_key) {
        http::ClientRequest request;
        request.method = http::Method::Post;
        request.url = url_ + path;
        request.body = body;
        request.bearer_token = token_;
        if (!idempotency_key.empty()) request.headers.emplace_back("Idempotency-Key", idempotency_key);
        return client_.send(std::move(request));
    }

    boost::json::array workers(const std::string& query = {}) {
        auto response = get("/api/v1/workers" + query);
        INFO("body: " << response.body << " error: " << response.error_message);
        REQUIRE(response.ok());
        REQUIRE(response.status == 200);
        auto parsed = boost::json::parse(response.body);
        REQUIRE(parsed.is_array());
        return parsed.as_array();
    }

    // The registry entry, or nothing when the backend does not know it (or does not answer).
    std::optional<boost::json::object> worker(const std::string& worker_id) {
        auto response = get("/api/v1/workers/" + worker_id);
        if (!response.ok() || response.status != 200) return std::nullopt;
        return boost::json::parse(response.body).as_object();
    }

    std::string worker_status(const std::string& worker_id) {
        auto entry = worker(worker_id);
        return entry ? std::string(entry->at("status").as_string()) : std::string{};
    }

    // The operation's `data`, refreshed from its worker when the cache is stale.
    boost::json::object operation(const std::string& operation_id) {
        auto response = get("/api/v1/operations/" + operation_id);
        INFO("operation " << operation_id << " status " << response.status);
        auto body = json_of(response);
        REQUIRE(response.status == 200);
        return body.at("data").as_object();
    }

    // POSTs a start through the backend and checks the answer's HTTP status; returns the body.
    boost::json::object start(const std::string& domain, const boost::json::object& request, int expected = 200) {
        auto response = post("/api/v1/" + domain + "/start", to_body(request));
        INFO("start " << domain << " -> " << response.status << " " << response.body);
        auto body = json_of(response);
        INFO("backend output:\n" << process().output());
        REQUIRE(response.status == expected);
        return body;
    }

    // How many operations the backend has with `status`.
    std::size_t count_operations(const std::string& status) {
        auto body = json_of(get("/api/v1/operations?status=" + status));
        return body.at("data").as_object().at("total").to_number<std::size_t>();
    }

    std::string operation_status(const std::string& operation_id) {
        return std::string(operation(operation_id).at("status").as_string());
    }

    // Waits until the operation has `status`; on failure says what it had and what the backend logged.
    void wait_for_status(const std::string& operation_id, const std::string& status,
                         std::chrono::milliseconds timeout = std::chrono::seconds(15)) {
        boost::json::object last;
        const bool reached = eventually(
            [&] {
                auto response = get("/api/v1/operations/" + operation_id);
                if (!response.ok() || response.status != 200) return false;
                last = boost::json::parse(response.body).as_object().at("data").as_object();
                return last.at("status") == boost::json::value(status);
            },
            timeout);
        INFO("operation " << operation_id << " never became " << status << "; last seen: " << last
                          << "\nbackend output:\n" << process().output());
        REQUIRE(reached);
    }

    bool healthy() {
        auto response = client_.get(url_ + "/health");
        return response.ok() && response.status == 200 &&
               boost::json::parse(response.body).as_object().at("healthy") == true;
    }

private:
    void launch() {
        std::vector<std::string> args{"--host", "127.0.0.1", "--port", std::to_string(fixed_port_),
                                      "--db", db_.string()};
        args.insert(args.end(), extra_.begin(), extra_.end());
        process_.reset();
        process_ = std::make_unique<Process>(FLEET_BACKEND_BIN, args);
        const std::string needle = "fleet-backend listening on port ";
        const std::string line = process_->wait_for_line(needle);
        port_ = static_cast<std::uint16_t>(std::stoi(line.substr(line.find(needle) + needle.size())));
        url_ = "http://127.0.0.1:" + std::to_string(port_);
    }

    std::vector<std::string> extra_;
    std::uint16_t fixed_port_ = 0;
    std::filesystem::path db_;
    std::string token_;
    std::unique_ptr<Process> process_;
    std::uint16_t port_ = 0;
    std::string url_;
    http::BlockingHttpClient client_;
};

// A real fleet-worker registered with `backend` under `worker_id`, with the
// backend's token and a 200 ms health interval (so it registers again soon
// after 600 ms without a health check); constructed once the backend lists it
// AVAILABLE.
class BackendWorker : public WorkerUnderTest {
public:
    BackendWorker(BackendUnderTest& backend, const std::string& type, std::string worker_id,
                  std::vector<std::string> extra = {})
        : WorkerUnderTest(type, arguments(backend, worker_id, std::move(extra))), id_(std::move(worker_id)) {
        INFO("worker " << id_ << " output:\n" << process().output());
        REQUIRE(eventually([&] { return backend.worker_status(id_) == "AVAILABLE"; }));
    }

    const std::string& id() const { return id_; }

private:
    static std::vector<std::string> arguments(BackendUnderTest& backend, const std::string& worker_id,
                                              std::vector<std::string> extra) {
        std::vector<std::string> args{"--backend-url", backend.url(), "--worker-id", worker_id};
        if (std::find(extra.begin(), extra.end(), "--health-interval") == extra.end())
            args.insert(args.end(), {"--health-interval", "200ms"});
        if (!backend.token().empty() && std::find(extra.begin(), extra.end(), "--token") == extra.end())
            args.insert(args.end(), {"--token", backend.token()});
        args.insert(args.end(), extra.begin(), extra.end());
        return args;
    }

    std::string id_;
};

inline std::string string_of(const boost::json::value& value) {
    return value.is_string() ? std::string(value.get_string()) : std::string{};
}

// How often each operation id appears in the workers' own lists: a count above 1 ran twice.
inline std::map<std::string, int> runs_on(const std::vector<WorkerUnderTest*>& workers) {
    std::map<std::string, int> runs;
    http::BlockingHttpClient client;
    for (auto* worker : workers) {
        for (std::size_t offset = 0, total = 1; offset < total; offset += 1000) {
            const auto response =
                client.get(worker->url() + "/api/v1/operations?limit=1000&offset=" + std::to_string(offset));
            REQUIRE(response.status == 200);
            const auto data = boost::json::parse(response.body).as_object().at("data").as_object();
            total = data.at("total").to_number<std::size_t>();
            for (const auto& operation : data.at("operations").as_array())
                ++runs[string_of(operation.at("operation_id"))];
        }
    }
    return runs;
}

// A 4xx/5xx answer in Fleet's error shape, with `mentions` in its message when given.
inline void check_error(const http::ClientResponse& response, int status, const std::string& mentions = {}) {
    INFO("status " << response.status << " body " << response.body << " error " << response.error_message);
    REQUIRE(response.ok());
    CHECK(response.status == status);
    auto body = json_of(response);
    CHECK(body.at("success") == false);
    REQUIRE(body.at("error").is_string());
    if (!mentions.empty()) CHECK(string_of(body.at("error")).find(mentions) != std::string::npos);
}

// What a fake worker says to a health check: idle, running nothing.
inline http::HttpResponse idle_health() {
    return http::HttpResponse::json(200, {{"healthy", true}, {"worker_status", "idle"}, {"current_operation", nullptr}});
}

// A fake worker's answer to POST /<domain>/start: taken, under the backend's task_id.
inline http::HttpResponse start_taken(const http::HttpRequest& request, const std::string& worker_id) {
    const auto body = boost::json::parse(request.body).as_object();
    return http::HttpResponse::json(200, {{"success", true}, {"operation_id", body.at("task_id")},
                                          {"status", "started"}, {"worker_id", worker_id}});
}

}  // namespace fleet::test
