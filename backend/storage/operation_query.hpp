#pragma once

#include "backend/operations/operation_record.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fleet::backend {

// Where a page of a list ended: its last operation, in the list's order
// (created_at, then operation_id, newest first).
struct OperationCursor {
    std::int64_t created_ms = 0;  // created_at, milliseconds since the epoch
    std::string operation_id;
};

// As the API shows it: "<created_ms>.<operation_id>". Nothing for a text that is not one.
std::string to_string(const OperationCursor& cursor);
std::optional<OperationCursor> parse_cursor(std::string_view text);
OperationCursor cursor_of(const OperationRecord& operation);

struct OperationQuery {
    std::optional<std::string> operation_type;
    std::optional<OperationStatus> status;
    std::optional<std::string> worker_id;  // a worker's id: '' matches nothing (a queued operation has none)
    std::size_t limit = 100;
    std::size_t offset = 0;                // skipped after the cursor, if any
    std::optional<OperationCursor> after;  // only operations after it in the list's order
};

struct OperationRows {
    std::vector<OperationRecord> operations;  // newest first (created_at, then id)
    std::size_t total = 0;                    // matching, before paging (the cursor included)
    std::optional<OperationCursor> next;      // where the next page starts; none after the last
};

}  // namespace fleet::backend
