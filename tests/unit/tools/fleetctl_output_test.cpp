#include "common/json/time.hpp"
#include "tools/fleetctl/command_table.hpp"
#include "tools/fleetctl/documents.hpp"
#include "tools/fleetctl/progress_bar.hpp"
#include "tools/fleetctl/table.hpp"

#include <boost/json/parse.hpp>
#include <catch2/catch.hpp>

#include <sstream>

using namespace fleet::ctl;

TEST_CASE("fleetctl tables: columns as wide as their widest cell, the last one unpadded", "[fleetctl]") {
    Table table({"ID", "STATUS", "WORKER"});
    table.add({"op_1", "running", "echo-1"});
    table.add({"op_22222", "queued"});  // a short row is padded with empty cells
    std::ostringstream out;
    table.print(out);
    CHECK(out.str() ==
          "ID        STATUS   WORKER\n"
          "op_1      running  echo-1\n"
          "op_22222  queued   \n");
}

TEST_CASE("fleetctl relative times: seconds, minutes, hours, days, past and future", "[fleetctl]") {
    const auto now = *fleet::json::parse_iso8601("2026-11-30T08:00:00Z");
    CHECK(relative_time_of("2026-11-30T07:59:48.500Z", now) == "11s ago");
    CHECK(relative_time_of("2026-11-30T07:57:00Z", now) == "3m ago");
    CHECK(relative_time_of("2026-11-30T03:00:00Z", now) == "5h ago");
    CHECK(relative_time_of("2026-11-28T08:00:00Z", now) == "2d ago");
    CHECK(relative_time_of("2026-11-30T08:00:40Z", now) == "in 40s");
    CHECK(relative_time_of("yesterday", now) == "-");
    CHECK(relative_time(boost::json::value(nullptr), now) == "-");
}

TEST_CASE("fleetctl cells: strings bare, null as '-', the rest as JSON", "[fleetctl]") {
    const auto object = boost::json::parse(R"({"a": "x", "b": null, "c": 42, "d": {"k": [1]}, "e": ""})");
    CHECK(cell(object, "a") == "x");
    CHECK(cell(object, "b") == "-");
    CHECK(cell(object, "c") == "42");
    CHECK(cell(object, "d") == R"({"k":[1]})");
    CHECK(cell(object, "e") == "-");
    CHECK(cell(object, "missing") == "-");
}

TEST_CASE("fleetctl progress bar: drawn in place on a terminal, a line per change elsewhere", "[fleetctl]") {
    CHECK(ProgressBar::render(50, 10) == "[#####.....]");
    CHECK(ProgressBar::render(150, 4) == "[####]");
    CHECK(ProgressBar::render(-5, 4) == "[....]");
    {
        std::ostringstream out;
        ProgressBar bar(out, false, "op_1");
        bar.update("running", 3, "step 1");
        bar.update("running", 7, "step 2");  // same status, same tenth: nothing new to say
        bar.update("running", 42, "step 5");
        bar.update("completed", 100, "");
        bar.finish();
        CHECK(out.str() == "op_1 running   3%  step 1\nop_1 running  42%  step 5\nop_1 completed 100%\n");
    }
    {
        std::ostringstream out;
        ProgressBar bar(out, true, "op_1");
        bar.update("running", 50, "half");
        bar.finish();
        CHECK(out.str().find('\r') == 0);
        CHECK(out.str().find(ProgressBar::render(50, 30) + "  50%  running  half") != std::string::npos);
        CHECK(out.str().back() == '\n');
    }
}

TEST_CASE("fleetctl documents come from the command table: every command in help, completion and man", "[fleetctl]") {
    const auto help = usage_text(command_table());
    const auto completion = bash_completion(command_table());
    const auto man = man_page(command_table());
    CHECK(help.find("Exit status:") != std::string::npos);
    CHECK(man.find(".SH EXIT STATUS") != std::string::npos);
    CHECK(completion.find("complete -F _fleetctl fleetctl") != std::string::npos);
    for (const auto& command : command_table()) {
        INFO(command.name);
        CHECK(help.find("  " + command.name) != std::string::npos);
        std::string roff_name;
        for (char c : command.name) roff_name += c == '-' ? std::string("\\-") : std::string(1, c);
        CHECK(man.find(".SS fleetctl " + roff_name) != std::string::npos);
        CHECK(completion.find("'" + command.name + "'") != std::string::npos);
        for (const auto& option : command.options) {
            CHECK(completion.find("--" + option.name) != std::string::npos);
            CHECK(command_help(command).find("--" + option.name) != std::string::npos);
        }
    }
}
