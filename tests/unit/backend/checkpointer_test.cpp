#include "backend/storage/database.hpp"
#include "backend/storage/operation_repository.hpp"
#include "tests/support/engine_test_support.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>

using namespace fleet::backend;

namespace {

constexpr int kNever = 1 << 30;
constexpr std::uintmax_t kFrameBytes = 4096 + 24;  // a page and its frame header

OperationRecord big_operation(int i) {
    OperationRecord record;
    record.operation_id = "op_" + std::to_string(i);
    record.domain = "echo";
    record.parameters["blob"] = std::string(6000, 'x');  // a few pages a commit
    return record;
}

}  // namespace

TEST_CASE("past the catch-up size the writer checkpoints, and the WAL starts over", "[store][checkpoint]") {
    fleet::test::TempDir dir;
    const auto path = (dir.path() / "fleet.db").string();
    constexpr int kCatchUp = 32;
    std::uintmax_t largest_wal = 0;
    std::uintmax_t opened_wal = 0;
    {
        Database database(path, kNever, kCatchUp);  // the thread is never asked: only the writer checkpoints
        OperationRepository operations(database);
        // The schema's migrations may leave more frames than the catch-up size: one commit is added to them.
        opened_wal = std::filesystem::file_size(path + "-wal");
        for (int i = 0; i < 300; ++i) {  // one commit each (no group commit here)
            REQUIRE(operations.insert(big_operation(i)) == OperationRepository::Insert::Inserted);
            largest_wal = std::max(largest_wal, std::filesystem::file_size(path + "-wal"));
        }
    }
    // The size at which it caught up plus one commit's frames, not 300 commits' worth (about 2,000 frames).
    CHECK(largest_wal < std::max<std::uintmax_t>(opened_wal + 16 * kFrameBytes, (kCatchUp + 16) * kFrameBytes + 32));
    Database reopened(path);
    OperationRepository operations(reopened);
    CHECK(operations.find("op_0"));
    CHECK(operations.find("op_299"));
}

TEST_CASE("the checkpointer copies the WAL into the database on its own thread", "[store][checkpoint]") {
    fleet::test::TempDir dir;
    const auto path = (dir.path() / "fleet.db").string();
    Database database(path, 8, kNever);  // the writer never checkpoints: only the thread does
    OperationRepository operations(database);
    const auto db_before = std::filesystem::file_size(path);
    for (int i = 0; i < 20; ++i) REQUIRE(operations.insert(big_operation(i)) == OperationRepository::Insert::Inserted);
    // Nothing else checkpoints while the database is open: a larger file is the thread's work.
    bool copied = false;
    for (int wait = 0; wait < 500 && !copied; ++wait) {
        copied = std::filesystem::file_size(path) > db_before;
        if (!copied) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    CHECK(copied);
}
