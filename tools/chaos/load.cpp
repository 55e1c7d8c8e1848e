#include "tools/chaos/load.hpp"

#include "common/http/client.hpp"

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <atomic>
#include <random>
#include <thread>

namespace fleet::chaos {
namespace {

namespace json = boost::json;
using std::chrono::milliseconds;

bool has_type(const LoadSettings& settings, const std::string& type) {
    return std::find(settings.types.begin(), settings.types.end(), type) != settings.types.end();
}

json::object run_params(const std::string& type, const LoadSettings& settings, std::mt19937_64& random) {
    std::uniform_int_distribution<int> duration(10, 500);
    if (type == "backtest") {
        std::uniform_int_distribution<int> fast(5, 15);
        std::uniform_int_distribution<int> slow(20, 40);
        return {{"symbol", "AAPL"},
                {"timeframe", "1h"},
                {"data_file", settings.data_directory + "/AAPL_1h.csv"},
                {"fast", fast(random)},
                {"slow", slow(random)}};
    }
    if (type == "data_processing")
        return {{"source_file", settings.data_directory + "/sensor_readings.csv"},
                {"operations", json::array{"clean", "validate"}}};
    return {{"duration_ms", duration(random)}, {"steps", 5}};
}

json::object step(const std::string& name, const std::string& domain, json::object parameters,
                  json::array depends_on) {
    return {{"name", name},
            {"domain", domain},
            {"parameters", std::move(parameters)},
            {"depends_on", std::move(depends_on)},
            {"max_retries", 3},
            {"retry_initial_seconds", 0.5},
            {"retry_max_seconds", 2}};
}

}  // namespace

LoadRequest make_request(const LoadSettings& settings, std::size_t index) {
    std::mt19937_64 random(settings.seed * 1'000'003 + index);
    std::uniform_real_distribution<double> share(0.0, 1.0);
    LoadRequest request;
    if (share(random) < settings.workflow_share) {
        // prep -> (left, right) -> join: a diamond, so a join waits for two branches.
        std::uniform_int_distribution<int> duration(10, 300);
        const std::string right_domain = has_type(settings, "data_processing") ? "data-processing" : "echo";
        const std::string right_type = right_domain == "echo" ? "echo" : "data_processing";
        json::array steps{
            step("prep", "echo", {{"duration_ms", duration(random)}, {"steps", 2}}, {}),
            step("left", "echo", {{"duration_ms", duration(random)}, {"steps", 2}}, {"prep"}),
            step("right", right_domain, run_params(right_type, settings, random), {"prep"}),
            step("join", "echo", {{"duration_ms", duration(random)}, {"steps", 2}}, {"left", "right"})};
        request.kind = Submission::Kind::Workflow;
        request.path = "/api/v1/workflows";
        request.body = json::serialize(json::object{{"name", "chaos-" + std::to_string(index)},
                                                    {"steps", std::move(steps)}});
        return request;
    }
    std::uniform_int_distribution<std::size_t> pick(0, settings.types.empty() ? 0 : settings.types.size() - 1);
    const std::string type = settings.types.empty() ? "echo" : settings.types[pick(random)];
    request.kind = Submission::Kind::Run;
    request.path = "/api/v1/admin/workers/run";
    request.body = json::serialize(json::object{{"bot", type}, {"params", run_params(type, settings, random)}});
    request.idempotency_key = "chaos-" + std::to_string(settings.seed) + "-" + std::to_string(index);
    return request;
}

Load::Load(LoadSettings settings, std::string backend_url)
    : settings_(std::move(settings)), backend_url_(std::move(backend_url)) {}

void Load::run() {
    const auto start = std::chrono::steady_clock::now();
    const auto period = std::chrono::duration<double>(1.0 / std::max(0.01, settings_.rate));
    std::atomic<std::size_t> next{0};
    std::vector<std::thread> clients;
    for (std::size_t c = 0; c < std::max<std::size_t>(1, settings_.clients); ++c) {
        clients.emplace_back([&] {
            for (;;) {
                const std::size_t index = next++;
                const auto due = start + std::chrono::duration_cast<std::chrono::steady_clock::duration>(period * index);
                if (due - start >= settings_.duration) return;
                std::this_thread::sleep_until(due);
                Submission submission = submit(index);
                std::lock_guard lock(mutex_);
                submissions_.push_back(std::move(submission));
            }
        });
    }
    for (auto& client : clients) client.join();
    std::sort(submissions_.begin(), submissions_.end(),
              [](const Submission& a, const Submission& b) { return a.index < b.index; });
}

std::vector<Submission> Load::submissions() const {
    std::lock_guard lock(mutex_);
    return submissions_;
}

Submission Load::submit(std::size_t index) {
    thread_local http::BlockingHttpClient client;
    const LoadRequest request = make_request(settings_, index);
    Submission submission;
    submission.index = index;
    submission.kind = request.kind;
    const auto deadline = std::chrono::steady_clock::now() + settings_.give_up;
    for (;;) {
        http::ClientRequest exchange;
        exchange.method = http::Method::Post;
        exchange.url = backend_url_ + request.path;
        exchange.body = request.body;
        exchange.timeout = milliseconds(10'000);
        if (!request.idempotency_key.empty()) exchange.headers.emplace_back("Idempotency-Key", request.idempotency_key);
        const auto answer = client.send(exchange);
        ++submission.tries;
        if (answer.ok() && answer.status == 201) {
            boost::system::error_code error;
            const auto body = json::parse(answer.body, error);
            const char* field = request.kind == Submission::Kind::Run ? "run_id" : "workflow_id";
            if (!error && body.is_object() && body.as_object().contains(field) && body.as_object().at(field).is_string()) {
                submission.outcome = Submission::Outcome::Acknowledged;
                submission.id = body.as_object().at(field).as_string().c_str();
                submission.replayed = submission.tries > 1 && request.kind == Submission::Kind::Run;
            } else {
                submission.outcome = Submission::Outcome::Refused;
                submission.detail = "201 without an id: " + answer.body.substr(0, 200);
            }
            return submission;
        }
        const bool retry_safe = !request.idempotency_key.empty() || (answer.ok() && answer.status == 503) ||
                                answer.error == http::ClientError::Refused;
        if (answer.ok() && answer.status != 503 && answer.status < 500) {
            submission.outcome = Submission::Outcome::Refused;
            submission.detail = std::to_string(answer.status) + " " + answer.body.substr(0, 200);
            return submission;
        }
        submission.detail = answer.ok() ? std::to_string(answer.status) + " " + answer.body.substr(0, 200)
                                        : std::string(http::to_string(answer.error)) + " " + answer.error_message;
        if (!retry_safe || std::chrono::steady_clock::now() >= deadline) {
            submission.outcome = Submission::Outcome::Unacknowledged;
            return submission;
        }
        std::this_thread::sleep_for(milliseconds(250));
    }
}

}  // namespace fleet::chaos
