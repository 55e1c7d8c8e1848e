#pragma once

#include "tests/contract/contract_session.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <functional>
#include <future>
#include <map>
#include <optional>
#include <string>
#include <vector>

// What every documented operation is sent the same way (token refusals, the
// HTTP layer's refusals, read timeouts), and the coverage check at the end.
namespace fleet::contract {

// The template with every `{name}` replaced by `value`.
inline std::string concrete_path(const std::string& path_template, const std::string& value = "contract-probe") {
    std::string out;
    for (std::size_t i = 0; i < path_template.size(); ++i) {
        if (path_template[i] == '{') {
            i = path_template.find('}', i);
            out += value;
        } else {
            out += path_template[i];
        }
    }
    return out;
}

// Every documented (path, method), with the concrete path probes use.
struct ProbeTarget {
    std::string method;  // upper case
    std::string path;
    bool requires_auth = false;
};

inline std::vector<ProbeTarget> probe_targets(const OpenApiDocument& document) {
    std::vector<ProbeTarget> out;
    for (const auto& path_template : document.path_templates()) {
        for (const auto& method : document.methods_of(path_template)) {
            const std::string path = concrete_path(path_template);
            std::string upper = method;
            for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
            const auto operations = document.operations_for(path, method);
            const bool auth = std::any_of(operations.begin(), operations.end(),
                                          [&](const OperationRef& op) { return document.requires_auth(op); });
            out.push_back(ProbeTarget{upper, path, auth});
        }
    }
    return out;
}

// The HTTP layer's refusals, sent to every documented operation: a malformed
// request (400), a body over the path's limit (413; 1 MiB unless `body_limit_for`
// says otherwise) and headers over the limit (431).
inline void probe_http_layer(const OpenApiDocument& document,
                             const std::function<ContractSession&(const std::string& path)>& session_for,
                             const std::function<std::size_t(const std::string& path)>& body_limit_for =
                                 [](const std::string&) { return std::size_t{1024 * 1024}; }) {
    for (const auto& target : probe_targets(document)) {
        auto& session = session_for(target.path);
        const std::string start = target.method + " " + target.path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
        auto send = [&](int expected, const std::string& bytes) {
            auto answer = session.record(Exchange{target.method, target.path, false, raw_exchange(session.port(), bytes)});
            INFO(target.method << " " << target.path << " answered " << answer.status() << " " << answer.raw.body);
            CHECK(answer.status() == expected);
        };
        send(400, start + "Content-Length: not-a-number\r\n\r\n");
        send(413, start + "Content-Type: application/json\r\nContent-Length: " +
                      std::to_string(body_limit_for(target.path) + 1) + "\r\n\r\n");
        send(431, start + "X-Padding: " + std::string(17 * 1024, 'a') + "\r\n\r\n");
    }
}

// Requests that never finish, one per documented operation, each waiting for
// the server's read timeout (408) on a thread of its own.
inline std::vector<std::future<Exchange>> start_read_timeout_probes(
    const OpenApiDocument& document, const std::function<std::uint16_t(const std::string& path)>& port_for,
    std::chrono::milliseconds wait) {
    std::vector<std::future<Exchange>> out;
    for (const auto& target : probe_targets(document)) {
        const std::uint16_t port = port_for(target.path);
        out.push_back(std::async(std::launch::async, [target, port, wait] {
            const std::string partial = target.method + " " + target.path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
            return Exchange{target.method, target.path, false, raw_exchange(port, partial, wait)};
        }));
    }
    return out;
}

inline void finish_read_timeout_probes(std::vector<std::future<Exchange>>& probes,
                                       const std::function<ContractSession&(const std::string& path)>& session_for) {
    for (auto& probe : probes) {
        Exchange exchange = probe.get();
        const std::string path = exchange.target;
        auto answer = session_for(path).record(std::move(exchange));
        INFO(path << " answered " << answer.status() << " " << answer.raw.body << answer.raw.error);
        CHECK(answer.status() == 408);
    }
}

// 401 for every operation that needs the token: once without it, once with a wrong one.
inline void probe_authentication(const OpenApiDocument& document,
                                 const std::function<ContractSession&(const std::string& path)>& session_for) {
    for (const auto& target : probe_targets(document)) {
        if (!target.requires_auth) continue;
        const std::optional<std::string> body =
            target.method == "POST" ? std::optional<std::string>("{}") : std::nullopt;
        for (auto credentials : {Credentials::None, Credentials::Wrong})
            session_for(target.path).expect(401, target.method, target.path, body, credentials);
    }
}

// Every documented triple an exchange covered, except those `exempt` explains away.
inline void require_full_coverage(const ContractChecker& checker, const std::string& document_name,
                                  const std::function<std::optional<std::string>(const Triple&)>& exempt) {
    std::vector<std::string> missing;
    std::map<std::string, std::vector<std::string>> exempted;
    for (const auto& triple : checker.uncovered()) {
        if (auto reason = exempt(triple)) exempted[*reason].push_back(to_string(triple));
        else missing.push_back(to_string(triple));
    }
    for (const auto& [reason, triples] : exempted) {
        std::string list;
        for (const auto& t : triples) list += "\n  " + t;
        WARN(document_name << ": not exercised (" << reason << "):" << list);
    }
    const auto covered = checker.covered().size();
    WARN(document_name << ": " << covered << " of " << covered + checker.uncovered().size()
                       << " documented (path, method, status) triples exercised in " << checker.exchange_count()
                       << " exchanges");
    for (const auto& triple : missing) FAIL_CHECK(document_name << ": documented but never exercised: " << triple);
}

}  // namespace fleet::contract
