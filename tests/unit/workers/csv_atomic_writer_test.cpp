#include "workers/csv/atomic_writer.hpp"

#include "tests/support/engine_test_support.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <string>
#include <vector>

using namespace fleet::csv;
using namespace fleet::test;
namespace fs = std::filesystem;

TEST_CASE("csv::AtomicWriter: commit puts the rows under the name, and only then", "[csv]") {
    TempDir dir;
    const auto path = dir.write("out.csv", "old\n");
    AtomicWriter writer(path, "output file");
    writer.write_row({"a", "b, c"});
    writer.write_row({"1", "2"});
    CHECK(writer.partial_path() == dir.path() / "out.csv.partial");
    CHECK(read_file(path) == "old\n");

    writer.commit();
    CHECK(read_file(path) == "a,\"b, c\"\n1,2\n");
    CHECK_FALSE(fs::exists(dir.path() / "out.csv.partial"));
}

TEST_CASE("csv::AtomicWriter: a writer given up before commit leaves nothing new", "[csv]") {
    TempDir dir;
    const auto fresh = dir.path() / "fresh.csv";
    const auto kept = dir.write("kept.csv", "old\n");
    {
        AtomicWriter a(fresh, "output file");
        AtomicWriter b(kept, "output file");
        a.write_row({"x"});
        b.write_row({"x"});
        REQUIRE(fs::exists(a.partial_path()));
    }
    CHECK_FALSE(fs::exists(fresh));
    CHECK(read_file(kept) == "old\n");
    std::vector<fs::path> left;
    for (const auto& entry : fs::directory_iterator(dir.path())) left.push_back(entry.path());
    CHECK(left == std::vector<fs::path>{kept});
}

TEST_CASE("csv::AtomicWriter: a file that cannot be created is an error naming it", "[csv]") {
    TempDir dir;
    const auto path = dir.path() / "no" / "such" / "dir" / "out.csv";
    CHECK_THROWS_WITH(AtomicWriter(path, "trades file"),
                      Catch::Contains("cannot write trades file '" + path.string() + "'"));
}
