// Fills a backend store with finished operations (scripts/bench_backend part f).
//
//   fleet-bench-fill-store --db PATH [--rows 1000000] [--batch 100000]
//
// Writes `rows` completed echo operations, as a worker that ran
// {"duration_ms": 0, "steps": 1} would have left them, through the backend's
// own storage API, `batch` rows a transaction. They ended within the last
// `rows` milliseconds, so the default 30-day retention keeps them all. Prints
// how long the inserts took.
#include "backend/storage/database.hpp"
#include "backend/storage/operation_repository.hpp"
#include "bench/bench_options.hpp"
#include "common/ids.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace {

using fleet::backend::OperationRecord;
using fleet::backend::Database;
using fleet::backend::OperationRepository;
using Clock = std::chrono::steady_clock;

constexpr fleet::bench::Program kProgram{"fleet-bench-fill-store", "bench/fill_store.cpp"};

struct Options {
    std::string db;
    std::size_t rows = 1'000'000;
    std::size_t batch = 100'000;
};

Options parse_options(int argc, char** argv) {
    Options o;
    fleet::bench::read_options(kProgram, argc, argv, [&](std::string_view key, const std::string& value) {
        if (key == "--db") o.db = value;
        else if (key == "--rows") o.rows = std::strtoull(value.c_str(), nullptr, 10);
        else if (key == "--batch") o.batch = std::max<std::size_t>(1, std::strtoull(value.c_str(), nullptr, 10));
        else return false;
        return true;
    });
    if (o.db.empty()) fleet::bench::usage(kProgram, "--db is required");
    return o;
}

// The i-th of `rows` finished operations, the newest last.
OperationRecord finished_operation(std::size_t i, std::size_t rows, fleet::SystemTime now) {
    OperationRecord op;
    op.operation_id = "op_" + fleet::random_hex(24);  // the backend's own id shape
    op.domain = "echo";
    op.operation_type = "echo";
    op.status = fleet::OperationStatus::Completed;
    op.parameters = {{"duration_ms", 0}, {"steps", 1}};
    op.attempts = 1;
    op.worker_id = "echo-fill-" + std::to_string(i % 4 + 1);
    op.worker_instance_id = "fill";
    op.progress = {{"percent", 100.0}, {"message", "step 1/1"}, {"total_steps", 1}};
    op.result = {{"echo", {{"duration_ms", 0}, {"steps", 1}}}};
    op.created_at = now - std::chrono::milliseconds(rows - i) - std::chrono::milliseconds(5);
    op.started_at = op.created_at + std::chrono::milliseconds(1);
    op.completed_at = op.created_at + std::chrono::milliseconds(5);
    op.updated_at = *op.completed_at;
    return op;
}

}  // namespace

int main(int argc, char** argv) {
    const Options o = parse_options(argc, argv);
    const auto start = Clock::now();
    const auto now = std::chrono::system_clock::now();
    std::size_t inserted = 0;
    {
        // The only use of the storage API: kept in this block so a change of that API is a change here.
        Database database(o.db);
        OperationRepository operations(database);
        for (std::size_t first = 0; first < o.rows; first += o.batch) {
            database.transaction([&] {
                for (std::size_t i = first; i < std::min(o.rows, first + o.batch); ++i)
                    if (operations.insert(finished_operation(i, o.rows, now)) == OperationRepository::Insert::Inserted)
                        ++inserted;
            });
        }
    }
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    std::printf("fill store: %zu finished operations inserted in %.1f s (%.0f rows/s, %zu a transaction) into %s\n",
                inserted, seconds, static_cast<double>(inserted) / seconds, o.batch, o.db.c_str());
    return inserted == o.rows ? 0 : 1;
}
