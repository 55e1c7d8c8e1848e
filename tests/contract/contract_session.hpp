#pragma once

#include "tests/contract/contract_checker.hpp"
#include "tests/contract/raw_http.hpp"
#include "tests/support/wait.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <catch2/catch.hpp>

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

// Talking to a server under contract from Catch tests: every exchange is
// checked against the document, and a mismatch is a failed check naming it.
namespace fleet::contract {

enum class Credentials { Token, None, Wrong };

struct Answer {
    RawAnswer raw;
    boost::json::value json;  // null unless the body is JSON

    int status() const { return raw.status; }
    const boost::json::object& object() const {
        INFO("body: " << raw.body);
        REQUIRE(json.is_object());
        return json.get_object();
    }
    // The string at `key` of `data` (or of the body itself when there is no `data`).
    std::string text(std::string_view key) const {
        const auto& body = object();
        const auto* data = body.if_contains("data");
        const auto& holder = data && data->is_object() ? data->get_object() : body;
        const auto* value = holder.if_contains(key);
        return value && value->is_string() ? std::string(value->get_string()) : std::string{};
    }
};

class ContractSession {
public:
    ContractSession(std::string label, ContractChecker& checker, std::uint16_t port, std::string token)
        : label_(std::move(label)), checker_(checker), port_(port), token_(std::move(token)) {}

    std::uint16_t port() const { return port_; }

    Answer call(std::string_view method, const std::string& target, std::optional<std::string> body = std::nullopt,
                Credentials credentials = Credentials::Token) {
        const std::string token = credentials == Credentials::Token ? token_
                                  : credentials == Credentials::Wrong ? token_ + "-wrong"
                                                                      : std::string{};
        return record(Exchange{std::string(method), target, credentials == Credentials::Token,
                               raw_exchange(port_, http_request(method, target, body, token))});
    }

    // An exchange whose status the scenario knows in advance.
    Answer expect(int status, std::string_view method, const std::string& target,
                  std::optional<std::string> body = std::nullopt, Credentials credentials = Credentials::Token) {
        Answer answer = call(method, target, std::move(body), credentials);
        INFO(label_ << ": " << method << " " << target << " answered " << answer.status() << " " << answer.raw.body
                    << answer.raw.error);
        CHECK(answer.status() == status);
        return answer;
    }

    // Checks an exchange made elsewhere (raw bytes, another thread) and turns
    // each problem into a failed check.
    Answer record(Exchange exchange) {
        for (const auto& problem : checker_.check(exchange)) FAIL_CHECK(label_ << ": " << problem);
        Answer answer{std::move(exchange.answer), nullptr};
        boost::system::error_code ec;
        auto parsed = boost::json::parse(answer.raw.body, ec);
        if (!ec) answer.json = std::move(parsed);
        return answer;
    }

    // Polls `target` until `done(answer)` holds; every poll is checked too.
    Answer poll_until(const std::string& target, const std::function<bool(const Answer&)>& done,
                      std::chrono::milliseconds timeout = std::chrono::seconds(15)) {
        Answer last;
        const bool reached = fleet::test::eventually(
            [&] {
                last = call("GET", target);
                return last.status() == 200 && done(last);
            },
            timeout);
        INFO(label_ << ": " << target << " never reached the awaited state; last answer: " << last.status() << " "
                    << last.raw.body);
        REQUIRE(reached);
        return last;
    }

    Answer wait_for_status(const std::string& operation_path, const std::string& status) {
        return poll_until(operation_path, [&](const Answer& a) { return a.text("status") == status; });
    }

private:
    std::string label_;
    ContractChecker& checker_;
    std::uint16_t port_;
    std::string token_;
};

inline std::string body_of(const boost::json::value& value) { return boost::json::serialize(value); }

// `request` with `key` set to `value`, serialized.
inline std::string with_field(boost::json::object request, std::string_view key, boost::json::value value) {
    request[key] = std::move(value);
    return body_of(request);
}

// `request` (from http_request) with one more header line.
inline std::string with_header(std::string request, const std::string& header) {
    request.insert(request.find("\r\n") + 2, header + "\r\n");
    return request;
}

}  // namespace fleet::contract
