#pragma once

#include "backend/storage/database.hpp"
#include "backend/storage/operation_reader.hpp"
#include "backend/storage/operation_repository.hpp"
#include "backend/storage/worker_repository.hpp"

#include <string>

namespace fleet::test {

// A database with its repositories, as fleet-backend opens them, and a
// reader on the same connection (fleet-backend's has its own, on its thread).
struct Storage {
    explicit Storage(const std::string& path)
        : database(path), workers(database), operations(database), reader(database) {}

    backend::Database database;
    backend::WorkerRepository workers;
    backend::OperationRepository operations;
    backend::OperationReader reader;
};

}  // namespace fleet::test
