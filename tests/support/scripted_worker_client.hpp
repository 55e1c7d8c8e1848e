#pragma once

#include "backend/dispatch/worker_client.hpp"

#include <string>
#include <utility>
#include <vector>

namespace fleet::test {

// A WorkerClient whose calls wait until the test answers them, in any order
// it likes: a completion notice overtaking the start's answer, a goodbye
// overtaking it, an answer that cannot be read.
class ScriptedWorkerClient final : public backend::WorkerClient {
public:
    struct Call {
        std::string kind;  // start, get, metrics, cancel, drain, newest
        std::string endpoint_url;
        std::string target;  // the domain of a start, the operation id, the limit (newest), or nothing (drain)
        std::string body;
        Answer then;
    };

    void start(const std::string& endpoint_url, const std::string& domain, std::string body, Answer then) override {
        calls.push_back({"start", endpoint_url, domain, std::move(body), std::move(then)});
    }
    void get(const std::string& endpoint_url, const std::string& operation_id, Answer then) override {
        calls.push_back({"get", endpoint_url, operation_id, {}, std::move(then)});
    }
    void metrics(const std::string& endpoint_url, const std::string& operation_id, const std::string&,
                 Answer then) override {
        calls.push_back({"metrics", endpoint_url, operation_id, {}, std::move(then)});
    }
    void cancel(const std::string& endpoint_url, const std::string& operation_id, Answer then) override {
        calls.push_back({"cancel", endpoint_url, operation_id, {}, std::move(then)});
    }

    void drain(const std::string& endpoint_url, Answer then) override {
        calls.push_back({"drain", endpoint_url, {}, {}, std::move(then)});
    }
    void newest(const std::string& endpoint_url, std::size_t limit, Answer then) override {
        calls.push_back({"newest", endpoint_url, std::to_string(limit), {}, std::move(then)});
    }

    // Delivers call `i`'s answer, as the core thread would.
    void answer(std::size_t i, http::ClientResponse response) {
        auto then = std::exchange(calls.at(i).then, {});
        then(std::move(response));
    }

    static http::ClientResponse status(int code, std::string body = R"({"success": true})") {
        http::ClientResponse response;
        response.status = code;
        response.body = std::move(body);
        return response;
    }
    static http::ClientResponse failure(http::ClientError error) {
        http::ClientResponse response;
        response.error = error;
        response.error_message = std::string(http::to_string(error));
        return response;
    }

    std::vector<Call> calls;
};

}  // namespace fleet::test
