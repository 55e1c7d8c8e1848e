#include "tools/fleetctl/arguments.hpp"
#include "tools/fleetctl/command_table.hpp"
#include "tools/fleetctl/exit_code.hpp"
#include "tools/fleetctl/local_fleet.hpp"
#include "tools/fleetctl/request_body.hpp"

#include <boost/json/serialize.hpp>
#include <catch2/catch.hpp>

using namespace fleet::ctl;

namespace {

Invocation parse(std::vector<std::string> argv) { return parse_arguments(argv, command_table()); }

// The usage error `argv` gets, or "" when it parses.
std::string refusal(std::vector<std::string> argv) {
    try {
        parse(std::move(argv));
    } catch (const CliError& error) {
        CHECK(error.code() == ExitCode::Usage);
        return error.what();
    }
    return "";
}

}  // namespace

TEST_CASE("fleetctl arguments: the longest run of words names the command", "[fleetctl]") {
    auto workers = parse({"workers"});
    REQUIRE(workers.command);
    CHECK(workers.command->name == "workers");
    CHECK(workers.args.empty());

    auto drain = parse({"workers", "drain", "echo-1"});
    CHECK(drain.command->name == "workers drain");
    REQUIRE(drain.args.size() == 1);
    CHECK(drain.arg(0) == "echo-1");

    auto signal = parse({"workflows", "signal", "wf_1", "approve", "--json", "{\"ok\":true}"});
    CHECK(signal.command->name == "workflows signal");
    CHECK(signal.args == std::vector<std::string>{"wf_1", "approve"});
    CHECK(signal.value("json") == "{\"ok\":true}");
}

TEST_CASE("fleetctl arguments: global options go anywhere, in both spellings", "[fleetctl]") {
    auto a = parse({"-o", "json", "ops", "--status", "running", "--url=http://b:1", "--token", "t"});
    CHECK(a.command->name == "ops");
    CHECK(a.json);
    CHECK(a.url == "http://b:1");
    CHECK(a.token == "t");
    CHECK(a.value("status") == "running");

    auto b = parse({"ops", "get", "op_1", "--output=table", "--refresh"});
    CHECK_FALSE(b.json);
    CHECK(b.has("refresh"));
    CHECK_FALSE(b.has("status"));

    CHECK(parse({"start", "echo", "--help"}).help);
    CHECK(parse({"--version"}).version);
    CHECK(parse({}).command == nullptr);
}

TEST_CASE("fleetctl arguments: repeatable options keep every value, others refuse a second", "[fleetctl]") {
    auto start = parse({"start", "echo", "--param", "a=1", "--param=b=x", "--watch"});
    CHECK(start.values("param") == std::vector<std::string>{"a=1", "b=x"});
    CHECK(start.has("watch"));
    CHECK(refusal({"ops", "--limit", "1", "--limit", "2"}).find("--limit given twice") != std::string::npos);
}

TEST_CASE("fleetctl arguments: what is wrong is named", "[fleetctl]") {
    CHECK(refusal({"sideways"}) == "unknown command 'sideways'");
    CHECK(refusal({"workers", "frob"}).find("unknown command 'workers frob'") != std::string::npos);
    CHECK(refusal({"ops", "get"}) == "'ops get' needs <operation-id>");
    CHECK(refusal({"ops", "get", "a", "b"}).find("at most 1 argument") != std::string::npos);
    CHECK(refusal({"up", "--frobnicate"}) == "unknown option '--frobnicate' for 'up'");
    CHECK(refusal({"ops", "--status"}) == "--status needs a value");
    CHECK(refusal({"-o", "yaml", "ops"}).find("table or json") != std::string::npos);
    CHECK(refusal({"ops", "watch", "x", "--watch=1"}).find("unknown option") != std::string::npos);
    CHECK(refusal({"start", "echo", "--watch=yes"}) == "--watch takes no value");
    CHECK(refusal({"-x"}) == "unknown option '-x'");
}

TEST_CASE("fleetctl arguments: count options take plain decimals in their range", "[fleetctl]") {
    CHECK(parse({"ops", "--limit", "10", "--offset=0"}).count("limit") == 10u);
    CHECK(parse({"up", "--port", "8000", "--timeout", "99999"}).count("timeout") == 99'999u);
    CHECK(parse({"up"}).count("port") == std::nullopt);
    CHECK(refusal({"ops", "--limit", "-5"}) == "--limit: '-5' is not a plain decimal number (digits only, from 0 to 1000000000)");
    CHECK(refusal({"runs", "--offset=+5"}).rfind("--offset: '+5' is not a plain decimal number", 0) == 0);
    CHECK(refusal({"workflows", "--limit", "0x10"}).rfind("--limit: '0x10' is not", 0) == 0);
    CHECK(refusal({"schedules", "preview", "--cron", "@daily", "--count", "1e3"}).rfind("--count: '1e3' is not", 0) == 0);
    CHECK(refusal({"start", "echo", "--max-retries", "5x"}).rfind("--max-retries: '5x' is not", 0) == 0);
    CHECK(refusal({"up", "--port", "-1"}) == "--port: '-1' is not a plain decimal number (digits only, from 0 to 65535)");
    CHECK(refusal({"up", "--backend-port", "70000"}) == "--backend-port: '70000' is too large (at most 65535)");
    CHECK(refusal({"up", "--timeout", "0"}) == "--timeout: '0' is too small (at least 1)");
    CHECK(refusal({"down", "--timeout", ""}).rfind("--timeout: '' is not", 0) == 0);
    // --help still answers, whatever the counts say.
    CHECK(parse({"ops", "--limit", "-5", "--help"}).help);
}

TEST_CASE("fleetctl arguments: '-' is an argument and '--' ends the options", "[fleetctl]") {
    auto submit = parse({"workflows", "submit", "-"});
    CHECK(submit.args == std::vector<std::string>{"-"});
    auto get = parse({"ops", "get", "--", "--odd-id"});
    CHECK(get.args == std::vector<std::string>{"--odd-id"});
}

TEST_CASE("fleetctl request bodies: --json first, --param over it, values typed when they are JSON", "[fleetctl]") {
    auto invocation = parse({"start", "echo", "--json", R"({"steps": 2, "name": "x"})", "--param", "steps=5",
                             "--param", "symbol=AAPL", "--param", "ops=[\"clean\"]", "--param", "flag=true",
                             "--param", "text=a=b"});
    const auto body = request_body(invocation);
    CHECK(boost::json::serialize(body) ==
          R"({"steps":5,"name":"x","symbol":"AAPL","ops":["clean"],"flag":true,"text":"a=b"})");
    CHECK_THROWS_AS(parse_param("novalue"), CliError);
    CHECK_THROWS_AS(parse_param("=1"), CliError);
    CHECK_THROWS_AS(request_body(parse({"start", "echo", "--json", "[1]"})), CliError);
    CHECK(path_segment("a b/c") == "a%20b%2Fc");
    CHECK(query_from_options(parse({"ops", "--status", "running", "--type", "data processing"}),
                             {{"status", "status"}, {"type", "operation_type"}, {"worker", "worker_id"}}) ==
          "status=running&operation_type=data%20processing");
}

TEST_CASE("fleetctl up --workers: TYPE:N entries, each problem named", "[fleetctl]") {
    const auto groups = local::parse_worker_spec("echo:4,backtest:2");
    REQUIRE(groups.size() == 2);
    CHECK(groups[0].type == "echo");
    CHECK(groups[0].count == 4);
    CHECK(local::worker_names(groups) ==
          std::vector<std::string>{"echo-1", "echo-2", "echo-3", "echo-4", "backtest-1", "backtest-2"});
    const auto message = [](const std::string& spec) {
        try {
            local::parse_worker_spec(spec);
        } catch (const CliError& error) {
            return std::string(error.what());
        }
        return std::string();
    };
    CHECK(message("echo").find("expected TYPE:N") != std::string::npos);
    CHECK(message("echo:0").find("N must be from 1 to 256") != std::string::npos);
    CHECK(message("echo:1,echo:2").find("echo given twice") != std::string::npos);
    CHECK(message("echo:1,,x:1").find("empty entry") != std::string::npos);
    CHECK(message("").find("must not be empty") != std::string::npos);
}
