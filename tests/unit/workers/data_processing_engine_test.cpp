#include "workers/data_processing/data_processing_engine.hpp"

#include "tests/support/engine_test_support.hpp"
#include "worker_base/cancellation.hpp"
#include "worker_base/progress_bridge.hpp"

#include <boost/json/parse.hpp>
#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>

using namespace fleet::workers::data_processing;
using namespace fleet::worker;
using namespace fleet::test;
namespace fs = std::filesystem;

namespace {

boost::json::object request(const fs::path& input, std::string_view extra = "") {
    boost::json::object body = boost::json::parse("{" + std::string(extra) + "}").as_object();
    body["source_file"] = input.string();
    return body;
}

boost::json::object run(const boost::json::object& body, ProgressBridge& progress) {
    return run_data_processing(parse_data_processing(body), progress, CancellationToken{}).as_object();
}

// A one-column CSV: the header "n", then 0 .. rows - 1.
std::string numbered_rows(int rows) {
    std::string content = "n\n";
    for (int i = 0; i < rows; ++i) content += std::to_string(i) + "\n";
    return content;
}

const std::string kMessy =
    "id, name ,value\n"
    "1, alpha ,10\n"
    "2,beta,20\n"
    "\n"
    "3,gamma\n"
    "4,\"delta, d\",40\n"
    ",,\n"
    "5,eps,50,extra\n";

}  // namespace

TEST_CASE("data_processing: parameters have defaults", "[data_processing]") {
    TempDir dir;
    const auto input = dir.write("in.csv", "a,b\n1,2\n");
    const auto params = parse_data_processing(request(input));
    CHECK(params.source_file == input);
    CHECK(params.estimated_rows == 0);
    CHECK(params.output_file == dir.path() / "in.processed.csv");
    REQUIRE(params.operations.size() == 1);
    CHECK(params.operations[0] == Operation::clean);
    CHECK_FALSE(params.normalize_columns);

    const auto other = dir.write("data.txt", "a\n");
    CHECK(parse_data_processing(request(other)).output_file.string() == other.string() + ".processed.csv");
}

TEST_CASE("data_processing: invalid parameters are a 400 naming the field", "[data_processing]") {
    TempDir dir;
    const auto input = dir.write("in.csv", "a,b\n1,2\n");
    check_bad_request(parse_data_processing, boost::json::object{}, "source_file");
    check_bad_request(parse_data_processing, request(dir.path() / "missing.csv"), "source_file");
    check_bad_request(parse_data_processing, request(dir.path()), "source_file");
    check_bad_request(parse_data_processing, request(dir.write("empty.csv", "")), "source_file");
    check_bad_request(parse_data_processing, request(input, R"("estimated_rows": -1)"), "estimated_rows");
    check_bad_request(parse_data_processing, request(input, R"("estimated_rows": "many")"), "estimated_rows");
    check_bad_request(parse_data_processing, request(input, R"("estimated_rows": 1.5)"), "estimated_rows");
    check_bad_request(parse_data_processing, request(input, R"("operations": ["clean", "shuffle"])"), "operations");
    check_bad_request(parse_data_processing, request(input, R"("operations": "clean")"), "operations");
    check_bad_request(parse_data_processing, request(input, R"("operations": [])"), "operations");
    check_bad_request(parse_data_processing, request(input, R"("output_file": 7)"), "output_file");
    check_bad_request(parse_data_processing, request(input, R"("output_file": ")" + input.string() + "\""),
                      "output_file");
    check_bad_request(parse_data_processing,
                      request(input, R"("operations": ["transform"], "transform": {"normalize": ["zzz"]})"),
                      "transform");
    check_bad_request(parse_data_processing,
                      request(input, R"("operations": ["transform"], "transform": {"scale": true})"), "transform");
    check_bad_request(parse_data_processing, request(input, R"("transform": {"normalize": ["a"]})"), "transform");
    check_bad_request(parse_data_processing, request(input, R"("opertions": ["clean"])"), "opertions");
}

TEST_CASE("data_processing: the KTRDR guide's request is taken as written", "[data_processing]") {
    TempDir dir;
    const auto input = dir.write("test.csv", "a,b\n1,2\n");
    const auto params = parse_data_processing(request(input, R"("operations": ["clean", "transform", "validate"],
                                                                 "estimated_rows": 10000)"));
    CHECK(params.source_file == input);
    CHECK(params.estimated_rows == 10000);
    CHECK(params.operations == std::vector{Operation::clean, Operation::transform, Operation::validate});
}

TEST_CASE("data_processing: input_file, the old name of source_file, is accepted alone", "[data_processing]") {
    TempDir dir;
    const auto input = dir.write("in.csv", "a,b\n1,2\n");
    boost::json::object old_name{{"input_file", input.string()}};
    CHECK(parse_data_processing(old_name).source_file == input);
    check_bad_request(parse_data_processing, boost::json::object{{"input_file", (dir.path() / "no.csv").string()}},
                      "input_file");

    boost::json::object both{{"source_file", input.string()}, {"input_file", input.string()}};
    check_bad_request(parse_data_processing, both, "source_file");
    CHECK_THROWS_WITH(parse_data_processing(both), Catch::Contains("input_file") && Catch::Contains("only"));
}

TEST_CASE("data_processing: estimated_rows is the total until the rows are counted", "[data_processing]") {
    TempDir dir;
    const auto input = dir.write("in.csv", numbered_rows(250));

    // The first update after the count shows the real total; the estimate is what showed before.
    ProgressBridge progress;
    const auto params = parse_data_processing(request(input, R"("estimated_rows": 1000)"));
    run_data_processing(params, progress, CancellationToken{});
    const auto done = progress.snapshot();
    CHECK(done.fields.at("total_rows") == 250);
    CHECK(done.fields.at("total_passes") == 2);
    CHECK(done.fields.at("current_operation") == "clean");
    CHECK(done.percentage == 100);

    // Cancelled before it starts, the run stops at its first check, in the count: what it showed
    // then is the estimate.
    ProgressBridge counting;
    CancellationToken cancelled;
    cancelled.cancel();
    CHECK_THROWS_AS(run_data_processing(params, counting, cancelled), OperationCancelled);
    CHECK(counting.snapshot().fields.at("total_rows") == 1000);
    CHECK(counting.snapshot().fields.at("pass") == 1);
    CHECK(counting.snapshot().current_step == "counting rows");
}

TEST_CASE("data_processing: clean trims fields and drops blank and malformed rows", "[data_processing]") {
    TempDir dir;
    const auto input = dir.write("messy.csv", kMessy);
    ProgressBridge progress;
    const auto result = run(request(input), progress);

    CHECK(read_file(dir.path() / "messy.processed.csv") ==
          "id,name,value\n1,alpha,10\n2,beta,20\n4,\"delta, d\",40\n");
    CHECK(result.at("rows_processed") == 7);
    CHECK(result.at("rows_written") == 3);
    CHECK(result.at("rows_dropped") == 4);
    CHECK(result.at("invalid_rows") == 0);
    CHECK(result.at("output_file").as_string() == (dir.path() / "messy.processed.csv").string());
    CHECK(result.at("operations") == boost::json::parse(R"(["clean"])"));
    CHECK(result.at("columns") == boost::json::parse(R"(["id", "name", "value"])"));
    CHECK(result.at("duration_seconds").as_double() >= 0);
    CHECK_FALSE(fs::exists(dir.path() / "messy.processed.csv.partial"));

    const auto snapshot = progress.snapshot();
    CHECK(snapshot.fields.at("current_row") == 7);
    CHECK(snapshot.fields.at("total_rows") == 7);
    check_finished_with_one_metric(progress, "rows_processed", 7);
}

TEST_CASE("data_processing: transform min-max normalises numeric columns", "[data_processing]") {
    TempDir dir;
    const auto input = dir.write("in.csv", "x,y,label\n0,5,a\n5,10,b\n10,,c\n");
    const auto output = dir.path() / "out.csv";
    ProgressBridge progress;

    SECTION("every numeric column by default") {
        const auto body = request(input, R"("operations": ["transform"], "output_file": ")" + output.string() + "\"");
        const auto result = run(body, progress);
        CHECK(read_file(output) == "x,y,label\n0,0,a\n0.5,1,b\n1,,c\n");
        CHECK(result.at("rows_written") == 3);
    }
    SECTION("only the columns named in transform.normalize") {
        const auto body = request(input, R"("operations": ["transform"], "transform": {"normalize": ["x"]},
                                            "output_file": ")" + output.string() + "\"");
        run(body, progress);
        CHECK(read_file(output) == "x,y,label\n0,5,a\n0.5,10,b\n1,,c\n");
    }
    SECTION("a named column that is not numeric fails the run") {
        const auto body = request(input, R"("operations": ["transform"], "transform": {"normalize": ["label"]})");
        CHECK_THROWS_WITH(run(body, progress), Catch::Contains("label") && Catch::Contains("not numeric"));
        CHECK_FALSE(fs::exists(dir.path() / "in.processed.csv"));
    }
    CHECK(progress.snapshot().percentage <= 100);
}

TEST_CASE("data_processing: operations apply in order", "[data_processing]") {
    TempDir dir;
    // A stray text value makes `v` non-numeric until clean drops its short row.
    const auto input = dir.write("in.csv", "k,v\na, 2\nb,4 \nzzz\nc,6\n");
    const auto output = dir.path() / "out.csv";
    ProgressBridge progress;
    const auto body =
        request(input, R"("operations": ["clean", "transform"], "output_file": ")" + output.string() + "\"");
    run(body, progress);
    CHECK(read_file(output) == "k,v\na,0\nb,0.5\nc,1\n");
    CHECK(progress.snapshot().fields.at("total_passes") == 2);
}

TEST_CASE("data_processing: validate counts rows failing type checks and keeps them", "[data_processing]") {
    TempDir dir;
    const auto input = dir.write("in.csv", "a,b\n1,2\n3,x\n4\n5,6\n7,\n");
    ProgressBridge progress;
    const auto result = run(request(input, R"("operations": ["validate"])"), progress);
    CHECK(result.at("invalid_rows") == 2);
    CHECK(result.at("rows_written") == 5);
    CHECK(result.at("rows_dropped") == 0);
    CHECK(read_file(dir.path() / "in.processed.csv") == "a,b\n1,2\n3,x\n4\n5,6\n7,\n");
}

TEST_CASE("data_processing: the shipped sensor sample is cleaned, normalised and validated", "[data_processing]") {
    TempDir dir;
    auto body = request(fs::path(FLEET_SOURCE_DIR) / "data/sample/sensor_readings.csv",
                        R"("operations": ["clean", "transform", "validate"])");
    body["output_file"] = (dir.path() / "sensors.csv").string();
    ProgressBridge progress;
    const auto result = run(body, progress);
    CHECK(result.at("rows_processed") == 508);
    CHECK(result.at("rows_dropped") == 28);
    CHECK(result.at("rows_written") == 480);
    CHECK(result.at("invalid_rows") == 10);
    CHECK(result.at("columns").as_array().size() == 6);
}

TEST_CASE("data_processing: a rows_processed metric every 1000 rows", "[data_processing]") {
    TempDir dir;
    const auto input = dir.write("in.csv", numbered_rows(2500));
    ProgressBridge progress;
    run(request(input), progress);
    const auto metrics = progress.metrics_after(0, 100).metrics;
    REQUIRE(metrics.size() == 3);
    CHECK(metrics[0].value == Approx(1000));
    CHECK(metrics[1].value == Approx(2000));
    CHECK(metrics[2].value == Approx(2500));
    CHECK(progress.snapshot().fields.at("current_row") == 2500);
}

TEST_CASE("data_processing: an unwritable output fails with a clear message", "[data_processing]") {
    TempDir dir;
    const auto input = dir.write("in.csv", "a\n1\n");
    auto body = request(input);
    body["output_file"] = (dir.path() / "no" / "such" / "dir" / "out.csv").string();
    ProgressBridge progress;
    CHECK_THROWS_WITH(run(body, progress), Catch::Contains("cannot write output file"));
}

TEST_CASE("data_processing: an unterminated quote fails naming the line", "[data_processing]") {
    TempDir dir;
    const auto input = dir.write("in.csv", "a,b\n1,2\n3,\"oops\n4,5\n");
    ProgressBridge progress;
    CHECK_THROWS_WITH(run(request(input), progress), Catch::Contains("line 3"));
}

TEST_CASE("data_processing: cancelling from another thread stops the run", "[data_processing]") {
    TempDir dir;
    const auto input = dir.path() / "big.csv";
    {
        std::ofstream out(input, std::ios::binary);
        out << "id,a,b,c,d\n";
        for (int i = 0; i < 400'000; ++i) out << i << ", " << i % 97 << " ," << i % 13 << ",x" << i % 5 << ",4.5\n";
    }
    const auto params = parse_data_processing(
        request(input, R"("operations": ["clean", "transform", "validate", "transform", "validate"])"));
    ProgressBridge progress;
    const CancellationToken token;
    cancel_once_started([&] { return run_data_processing(params, progress, token); }, progress, token,
                        std::chrono::seconds(60), std::chrono::seconds(30));
    CHECK_FALSE(fs::exists(params.output_file));
    CHECK_FALSE(fs::exists(fs::path(params.output_file) += ".partial"));
}

TEST_CASE("data_processing: the worker type is data_processing on data-processing", "[data_processing]") {
    const auto type = worker_type();
    CHECK(type.type == "data_processing");
    CHECK(type.domain == "data-processing");
}
