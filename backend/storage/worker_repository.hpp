#pragma once

#include "backend/registry/worker_record.hpp"

#include <memory>
#include <string>
#include <vector>

namespace fleet::backend {

class Database;

// The registered workers as stored. Statements are prepared once; used on
// the core thread, like the Database it writes through.
class WorkerRepository {
public:
    explicit WorkerRepository(Database& database);
    ~WorkerRepository();
    WorkerRepository(const WorkerRepository&) = delete;
    WorkerRepository& operator=(const WorkerRepository&) = delete;

    void save(const WorkerRecord& worker);  // insert or replace
    void remove(const std::string& worker_id);
    std::vector<WorkerRecord> load_all();  // by worker_id

private:
    struct Statements;
    Database& database_;
    std::unique_ptr<Statements> statements_;
};

}  // namespace fleet::backend
