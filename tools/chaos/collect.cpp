#include "tools/chaos/collect.hpp"

#include "common/http/client.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <fstream>
#include <optional>
#include <stdexcept>
#include <thread>

namespace fleet::chaos {
namespace {

namespace json = boost::json;

std::optional<json::value> get_json(http::BlockingHttpClient& client, const std::string& url) {
    for (int attempt = 0; attempt < 5; ++attempt) {
        const auto answer = client.send({http::Method::Get, url, {}, {}, std::chrono::seconds(30)});
        if (answer.ok() && answer.status == 200) {
            boost::system::error_code error;
            auto value = json::parse(answer.body, error);
            if (!error) return value;
        }
        if (answer.ok() && answer.status == 404) return std::nullopt;
        std::this_thread::sleep_for(std::chrono::milliseconds(500));
    }
    throw std::runtime_error("no answer from " + url);
}

std::string text(const json::object& object, const char* field) {
    const auto* value = object.if_contains(field);
    return value && value->is_string() ? std::string(value->as_string()) : std::string();
}

int integer(const json::object& object, const char* field) {
    const auto* value = object.if_contains(field);
    return value && value->is_int64() ? static_cast<int>(value->as_int64()) : 0;
}

std::size_t total_of(http::BlockingHttpClient& client, const std::string& url) {
    const auto value = get_json(client, url);
    if (!value) return 0;
    const auto& data = value->as_object().at("data").as_object();
    return static_cast<std::size_t>(data.at("total").to_number<std::int64_t>());
}

bool workflow_terminal(const std::string& status) {
    return status == "completed" || status == "failed" || status == "cancelled";
}

}  // namespace

bool wait_until_settled(const std::string& backend_url, std::chrono::milliseconds timeout) {
    http::BlockingHttpClient client;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        std::size_t open = 0;
        try {
            for (const char* status : {"queued", "pending", "running"})
                open += total_of(client, backend_url + "/api/v1/operations?limit=1&status=" + status);
            for (const char* status : {"pending", "running", "paused", "recovering"})
                open += total_of(client, backend_url + "/api/v1/workflows?limit=1&status=" + status);
        } catch (const std::exception&) {
            open = 1;  // no answer yet (a restart still under way)
        }
        if (open == 0) return true;
        if (std::chrono::steady_clock::now() >= deadline) return false;
        std::this_thread::sleep_for(std::chrono::seconds(1));
    }
}

std::map<std::string, BackendOperation> backend_operations(const std::string& backend_url) {
    http::BlockingHttpClient client;
    std::map<std::string, BackendOperation> operations;
    for (std::size_t offset = 0;; offset += 1000) {
        const auto value = get_json(client, backend_url + "/api/v1/operations?limit=1000&offset=" + std::to_string(offset));
        if (!value) break;
        const auto& list = value->as_object().at("data").as_object().at("operations").as_array();
        for (const auto& item : list) {
            const auto& object = item.as_object();
            BackendOperation operation;
            operation.id = text(object, "operation_id");
            operation.status = parse_operation_status(text(object, "status")).value_or(OperationStatus::Queued);
            operation.error_message = text(object, "error_message");
            operation.worker_id = text(object, "worker_id");
            operation.attempts = integer(object, "attempts");
            operations[operation.id] = std::move(operation);
        }
        if (list.size() < 1000) break;
    }
    return operations;
}

std::map<std::string, BackendWorkflow> backend_workflows(const std::string& backend_url,
                                                         const std::vector<Submission>& submissions) {
    http::BlockingHttpClient client;
    std::map<std::string, BackendWorkflow> workflows;
    for (const auto& submission : submissions) {
        if (submission.kind != Submission::Kind::Workflow ||
            submission.outcome != Submission::Outcome::Acknowledged)
            continue;
        const auto value = get_json(client, backend_url + "/api/v1/workflows/" + submission.id);
        if (!value) continue;
        const auto& object = value->as_object().at("data").as_object();
        BackendWorkflow workflow;
        workflow.id = submission.id;
        workflow.status = text(object, "status");
        workflow.terminal = workflow_terminal(workflow.status);
        workflow.error_message = text(object, "error_message");
        if (const auto* steps = object.if_contains("steps"); steps && steps->is_array()) {
            for (const auto& step : steps->as_array()) {
                const auto& fields = step.as_object();
                workflow.steps.push_back({text(fields, "name"), text(fields, "status"), integer(fields, "attempts")});
            }
        }
        workflows[workflow.id] = std::move(workflow);
    }
    return workflows;
}

std::vector<WorkerListing> worker_listings(const ChaosFleet& fleet) {
    http::BlockingHttpClient client;
    std::vector<WorkerListing> listings;
    for (std::size_t i = 0; i < fleet.workers(); ++i) {
        if (!fleet.worker_up(i)) continue;
        for (std::size_t offset = 0;; offset += 1000) {
            const auto value =
                get_json(client, fleet.worker_url(i) + "/api/v1/operations?limit=1000&offset=" + std::to_string(offset));
            if (!value) break;
            const auto& list = value->as_object().at("data").as_object().at("operations").as_array();
            for (const auto& item : list) {
                const auto& object = item.as_object();
                const auto status = parse_operation_status(text(object, "status"));
                if (status) listings.push_back({fleet.worker_id(i), text(object, "operation_id"), *status});
            }
            if (list.size() < 1000) break;
        }
    }
    return listings;
}

std::vector<RunLogEntry> read_run_logs(const std::vector<std::string>& paths) {
    std::vector<RunLogEntry> entries;
    for (const auto& path : paths) {
        std::ifstream in(path);
        std::string line;
        while (std::getline(in, line))
            if (auto entry = worker::parse_run_log_line(line)) entries.push_back(std::move(*entry));
    }
    return entries;
}

}  // namespace fleet::chaos
