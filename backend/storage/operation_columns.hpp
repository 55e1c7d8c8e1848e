#pragma once

// The operations table's columns, shared by the repository (the core's
// writes) and the reader (lists on their own connection). Not for use outside
// backend/storage/.

#include "backend/operations/operation_record.hpp"
#include "common/db/sqlite.hpp"

#include <string>
#include <vector>

namespace fleet::backend::operation_columns {

// Every column, in the order bind() and read() use.
extern const char* const kColumns;

OperationStatus status(const std::string& text);  // throws for a word nobody wrote
void bind(db::Statement& st, const OperationRecord& operation);  // ?1 .. ?21
OperationRecord read(const db::Statement& row);
std::vector<OperationRecord> read_all(db::Statement& st);

}  // namespace fleet::backend::operation_columns
