#pragma once

#include "backend/operations/operation_record.hpp"
#include "backend/storage/operation_query.hpp"

#include <cstddef>
#include <memory>
#include <optional>
#include <string>

namespace fleet::backend {

class Database;

// Reads of stored operations that the core thread need not make: lists and
// finished operations by id. Statements are prepared once; one thread uses it.
class OperationReader {
public:
    // A read-only connection of its own on the file at `path`, for the reader
    // thread: WAL lets it read what is committed while the core writes.
    explicit OperationReader(const std::string& path);
    // On `database`'s connection, for the core thread: an in-memory database
    // has no file a second connection could open.
    explicit OperationReader(Database& database);
    ~OperationReader();
    OperationReader(const OperationReader&) = delete;
    OperationReader& operator=(const OperationReader&) = delete;

    // A page of the operations that match, newest first. `total` when the
    // caller knows it (OperationRepository::known_total), else counted here.
    OperationRows list(const OperationQuery& query, std::optional<std::size_t> total = std::nullopt);
    std::optional<OperationRecord> find(const std::string& operation_id);

private:
    struct Connection;
    std::unique_ptr<Connection> connection_;
};

}  // namespace fleet::backend
