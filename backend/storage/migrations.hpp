#pragma once

#include "common/db/sqlite.hpp"

#include <cstdint>
#include <span>
#include <string_view>

namespace fleet::backend {

// One step of the schema: backend/storage/migrations/NNNN_words.sql, built
// into the binary.
struct Migration {
    std::int64_t version;   // NNNN: 1, 2, 3 with no gap
    std::string_view name;  // the file's name
    std::string_view sql;
};

// Every migration this binary knows, in order (generated at build time).
std::span<const Migration> builtin_migrations();

// The version in the file's schema_version; 0 for a file without one (new).
std::int64_t schema_version(db::Database& db);

// Brings `db` to the last of `migrations`: each one above the file's version
// runs in a transaction of its own together with the version bump, so a
// failure leaves the file at the last version that finished. Throws, changing
// nothing, when the file's version is newer than the last one known here.
// Returns the version the file has now.
std::int64_t migrate(db::Database& db, std::span<const Migration> migrations);

}  // namespace fleet::backend
