#include "backend/storage/reader_thread.hpp"
#include "tests/support/test_storage.hpp"
#include "tests/unit/backend/store_records.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include <catch2/catch.hpp>

#include <optional>
#include <stdexcept>
#include <thread>

using fleet::backend::OperationReader;
using fleet::backend::OperationRepository;
using fleet::backend::ReaderThread;
using namespace fleet::test;

namespace {

// What a read saw, and where the read and its answer ran.
struct Seen {
    std::size_t total = 0;
    std::thread::id read_on;
};

}  // namespace

TEST_CASE("reader thread: lists run on a thread and connection of their own, answers come back to the core",
          "[reader]") {
    TempDb file;
    Storage store(file.path.string());
    boost::asio::io_context core;
    auto idle = boost::asio::make_work_guard(core);  // run_one() waits for the answer
    ReaderThread reader(store.database, core);
    REQUIRE(store.operations.insert(operation("a", "echo", OperationStatus::Queued, "", 1)) ==
            OperationRepository::Insert::Inserted);

    std::optional<std::optional<Seen>> answer;
    std::thread::id answered_on;
    reader.read<Seen>([](OperationReader& r) { return Seen{r.list({}).total, std::this_thread::get_id()}; },
                      [&](std::optional<Seen> seen) {
                          answer = seen;
                          answered_on = std::this_thread::get_id();
                      });
    CHECK_FALSE(answer);  // not before the core runs it
    while (!answer) core.run_one();
    REQUIRE(*answer);
    CHECK((*answer)->total == 1);
    CHECK((*answer)->read_on != std::this_thread::get_id());
    CHECK(answered_on == std::this_thread::get_id());

    SECTION("a read that throws answers with nothing") {
        std::optional<std::optional<int>> failed;
        reader.read<int>([](OperationReader&) -> int { throw std::runtime_error("disk on fire"); },
                         [&](std::optional<int> result) { failed = result; });
        while (!failed) core.run_one();
        CHECK_FALSE(*failed);
    }
}

TEST_CASE("reader thread: an in-memory database is read on the core thread, on its own connection", "[reader]") {
    Storage store(":memory:");
    boost::asio::io_context core;
    ReaderThread reader(store.database, core);
    REQUIRE(store.operations.insert(full_operation("x")) == OperationRepository::Insert::Inserted);
    std::optional<std::optional<Seen>> answer;
    reader.read<Seen>([](OperationReader& r) { return Seen{r.list({}).total, std::this_thread::get_id()}; },
                      [&](std::optional<Seen> seen) { answer = seen; });
    REQUIRE(answer);  // at once
    REQUIRE(*answer);
    CHECK((*answer)->total == 1);
    CHECK((*answer)->read_on == std::this_thread::get_id());
}
