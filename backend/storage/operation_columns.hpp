#pragma once

// The operations table's columns, shared by the repository (the core's
// writes) and the reader (lists on their own connection). Not for use outside
// backend/storage/.

#include "backend/operations/operation_record.hpp"
#include "common/db/sqlite.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace fleet::backend::operation_columns {

// Every column, in the order bind() and read() use.
extern const char* const kColumns;

// The columns an operation is created with and that never change: an UPDATE
// leaves them out (and so leaves their indexes alone).
extern const std::vector<std::string_view> kFixedColumns;

OperationStatus status(const std::string& text);  // throws for a word nobody wrote
// Binds the columns as ?1 .. ?21; `Changing` skips kFixedColumns (an UPDATE
// does not name them), sparing the JSON of the parameters on every update.
// SQLite reads the texts in place: `operation` and `texts` (the JSON columns written out) must
// outlive the statement's use, i.e. be declared before the `Use` that resets it.
enum class Bind { All, Changing };
struct Texts {
    std::string progress, result, requirements, parameters;
};
void bind(db::Statement& st, const OperationRecord& operation, Texts& texts, Bind which = Bind::All);
OperationRecord read(const db::Statement& row);
std::vector<OperationRecord> read_all(db::Statement& st);

}  // namespace fleet::backend::operation_columns
