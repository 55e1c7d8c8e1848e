#pragma once

#include "backend/admin/admin_run.hpp"

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace fleet::backend {

class Database;

// The `admin_runs` table: what each run adds to its operation. Statements
// are prepared once; used on the core thread, like the Database it writes
// through. Lists join the operations table for the status, so they must run
// after the commit that wrote the operations (the rows are written behind).
class AdminRunRepository {
public:
    explicit AdminRunRepository(Database& database);
    ~AdminRunRepository();
    AdminRunRepository(const AdminRunRepository&) = delete;
    AdminRunRepository& operator=(const AdminRunRepository&) = delete;

    void insert(const AdminRunRecord& run);
    std::optional<AdminRunRecord> find(const std::string& run_id);
    std::optional<AdminRunRecord> find_by_key(const std::string& idempotency_key);
    // The key expired: a new request may use it again.
    void forget_key(const std::string& run_id);
    // (run_id, bot) of every run whose operation is not finished, oldest first.
    std::vector<std::pair<std::string, std::string>> load_active();

    struct Page {
        std::vector<AdminRunRecord> runs;
        std::size_t total = 0;
    };
    Page list(const RunQuery& query);

private:
    struct Statements;
    Database& database_;
    std::unique_ptr<Statements> statements_;
};

}  // namespace fleet::backend
