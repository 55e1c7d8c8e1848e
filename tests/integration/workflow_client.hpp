#pragma once

// Workflows as a user with curl sees them, for the integration tests that
// start or watch them (workflows_test.cpp, schedules_test.cpp).
#include "common/json/time.hpp"
#include "tests/integration/backend_fixture.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace fleet::test {

inline constexpr const char* kWorkflows = "/api/v1/workflows";
// Long enough for a step on a loaded machine; nothing here is a speed check.
inline constexpr std::chrono::seconds kRunDeadline{30};

// An echo step: it waits `duration_ms` and returns {"echo": parameters, ...}.
inline boost::json::object echo_step(const std::string& name, boost::json::object parameters = {},
                                     const std::vector<std::string>& depends_on = {}) {
    boost::json::array deps;
    for (const auto& dep : depends_on) deps.emplace_back(dep);
    return {{"name", name}, {"domain", "echo"}, {"parameters", std::move(parameters)}, {"depends_on", std::move(deps)}};
}

inline boost::json::object definition(const std::string& name, boost::json::array steps,
                                      boost::json::object extra = {}) {
    boost::json::object body{{"name", name}, {"steps", std::move(steps)}};
    for (auto& field : extra) body[field.key()] = field.value();
    return body;
}

inline boost::json::object workflow(BackendUnderTest& backend, const std::string& id) {
    const auto response = backend.get(std::string(kWorkflows) + "/" + id);
    INFO("workflow " << id << " -> " << response.status << " " << response.body);
    auto body = json_of(response);
    REQUIRE(response.status == 200);
    return body.at("data").as_object();
}

// Waits until `done(workflow)` holds; on failure says what it was waiting for and what the backend logged.
template <typename Done>
boost::json::object wait_until(BackendUnderTest& backend, const std::string& id, const std::string& what, Done done,
                               std::chrono::milliseconds timeout = kRunDeadline) {
    boost::json::object last;
    const bool reached = eventually(
        [&] {
            last = workflow(backend, id);
            return done(last);
        },
        timeout);
    INFO("workflow " << id << " never reached: " << what << "\nlast seen: " << last << "\nbackend output:\n"
                     << backend.process().output());
    REQUIRE(reached);
    return last;
}

inline boost::json::object wait_for_workflow(BackendUnderTest& backend, const std::string& id,
                                             const std::string& status,
                                             std::chrono::milliseconds timeout = kRunDeadline) {
    return wait_until(
        backend, id, "status " + status,
        [&](const boost::json::object& w) { return w.at("status") == boost::json::value(status); }, timeout);
}

inline boost::json::object list_workflows(BackendUnderTest& backend, const std::string& query = {}) {
    const auto response = backend.get(std::string(kWorkflows) + query);
    INFO("list " << query << " -> " << response.status << " " << response.body);
    auto body = json_of(response);
    REQUIRE(response.status == 200);
    return body.at("data").as_object();
}

inline std::int64_t total_workflows(BackendUnderTest& backend, const std::string& query = {}) {
    return list_workflows(backend, query).at("total").to_number<std::int64_t>();
}

inline SystemTime time_of(const boost::json::object& view, const char* key) {
    INFO(key << " of " << view);
    REQUIRE(view.at(key).is_string());
    const auto parsed = json::parse_iso8601(view.at(key).get_string());
    REQUIRE(parsed.has_value());
    return *parsed;
}

inline std::string attempt_id(const std::string& workflow_id, const std::string& step, int attempt) {
    return workflow_id + "." + step + ".a" + std::to_string(attempt);
}

// The operation as its worker reports it (GET /api/v1/operations/{id} on the worker).
inline boost::json::object worker_view(const WorkerUnderTest& worker, const std::string& operation_id) {
    http::BlockingHttpClient client;
    const auto response = client.get(worker.url() + "/api/v1/operations/" + operation_id);
    INFO("worker " << worker.url() << " operation " << operation_id << " -> " << response.status << " "
                   << response.body);
    auto body = json_of(response);
    REQUIRE(response.status == 200);
    return body.at("data").as_object();
}

// Echo workers registered with one backend, found again by the operations they run.
class EchoFleet {
public:
    EchoFleet(BackendUnderTest& backend, int count, const std::string& prefix,
              const std::vector<std::string>& extra = {})
        : backend_(backend) {
        for (int i = 1; i <= count; ++i)
            workers_.push_back(
                std::make_unique<BackendWorker>(backend, "echo", prefix + "-" + std::to_string(i), extra));
    }

    // The worker the backend sent `operation_id` to.
    BackendWorker& running(const std::string& operation_id) {
        const auto worker_id = string_of(backend_.operation(operation_id).at("worker_id"));
        for (auto& worker : workers_)
            if (worker->id() == worker_id) return *worker;
        FAIL("operation " << operation_id << " is on '" << worker_id << "', not one of this fleet's workers");
        throw std::logic_error("unreachable");
    }

    // The operation as the worker that ran it says.
    boost::json::object view(const std::string& operation_id) {
        return worker_view(running(operation_id), operation_id);
    }

    std::vector<WorkerUnderTest*> all() {
        std::vector<WorkerUnderTest*> out;
        for (auto& worker : workers_) out.push_back(worker.get());
        return out;
    }

    BackendWorker& at(std::size_t i) { return *workers_.at(i); }

private:
    BackendUnderTest& backend_;
    std::vector<std::unique_ptr<BackendWorker>> workers_;
};

// Holds while `condition` stays true for `how_long`: the way to see that something does NOT happen.
template <typename Condition>
bool stays(Condition condition, std::chrono::milliseconds how_long) {
    return !eventually([&] { return !condition(); }, how_long);
}

}  // namespace fleet::test
