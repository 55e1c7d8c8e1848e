#pragma once

#include "common/http/client.hpp"
#include "common/json/parse.hpp"
#include "tests/support/process.hpp"
#include "tests/support/wait.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <catch2/catch.hpp>

#include <string>
#include <vector>

namespace fleet::test {

// A real fleet-worker on a free loopback port.
class WorkerUnderTest {
public:
    // `working_directory` empty: the test's own (relative paths in requests are resolved there).
    explicit WorkerUnderTest(const std::string& type, std::vector<std::string> extra = {},
                             std::vector<std::string> environment = {}, const std::string& working_directory = {})
        : process_(FLEET_WORKER_BIN, arguments(type, std::move(extra)), std::move(environment), working_directory) {
        const std::string line = process_.wait_for_line("listening on port ");
        const auto at = line.find("listening on port ") + 18;
        port_ = static_cast<std::uint16_t>(std::stoi(line.substr(at)));
        url_ = "http://127.0.0.1:" + std::to_string(port_);
    }

    const std::string& url() const { return url_; }
    std::uint16_t port() const { return port_; }
    Process& process() { return process_; }

private:
    static std::vector<std::string> arguments(const std::string& type, std::vector<std::string> extra) {
        std::vector<std::string> args{"--type", type, "--host", "127.0.0.1", "--port", "0"};
        args.insert(args.end(), extra.begin(), extra.end());
        return args;
    }

    Process process_;
    std::uint16_t port_ = 0;
    std::string url_;
};

inline boost::json::object json_of(const http::ClientResponse& response) {
    INFO("body: " << response.body << " error: " << response.error_message);
    REQUIRE(response.ok());
    boost::system::error_code ec;
    auto parsed = json::parse(response.body, ec);  // exact doubles, as Fleet reads them
    REQUIRE_FALSE(ec);
    REQUIRE(parsed.is_object());
    return parsed.as_object();
}

inline std::string to_body(const boost::json::object& object) { return boost::json::serialize(object); }

inline std::string sample(const std::string& name) { return std::string(FLEET_SOURCE_DIR) + "/data/sample/" + name; }

}  // namespace fleet::test
