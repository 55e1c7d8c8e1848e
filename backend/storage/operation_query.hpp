#pragma once

#include "backend/operations/operation_record.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace fleet::backend {

struct OperationQuery {
    std::optional<std::string> operation_type;
    std::optional<OperationStatus> status;
    std::optional<std::string> worker_id;
    std::size_t limit = 100;
    std::size_t offset = 0;
};

struct OperationRows {
    std::vector<OperationRecord> operations;  // newest first (created_at, then id)
    std::size_t total = 0;                    // matching, before paging
};

}  // namespace fleet::backend
