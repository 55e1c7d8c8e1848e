#include "backend/storage/migrations.hpp"

#include <stdexcept>
#include <string>

namespace fleet::backend {
namespace {

[[noreturn]] void refuse_newer(std::int64_t found, std::int64_t latest) {
    throw std::runtime_error("database schema version " + std::to_string(found) + " is newer than this build knows (" +
                             std::to_string(latest) +
                             "): a newer fleet-backend wrote it; run that one, or restore a backup");
}

}  // namespace

std::int64_t schema_version(db::Database& db) {
    auto table = db.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'schema_version'");
    if (!table.step()) return 0;
    auto version = db.prepare("SELECT MAX(version) FROM schema_version");
    version.step();
    return version.int64(0);
}

std::int64_t migrate(db::Database& db, std::span<const Migration> migrations) {
    const std::int64_t latest = migrations.empty() ? 0 : migrations.back().version;
    for (const auto& migration : migrations) {
        // The version is read inside the transaction: a second process opening
        // the same file waits for this one and then finds the step done.
        db::Transaction tx(db);
        const std::int64_t found = schema_version(db);
        if (found > latest) refuse_newer(found, latest);
        if (found >= migration.version) continue;
        if (found != migration.version - 1)
            throw std::logic_error("migration " + std::string(migration.name) + " follows version " +
                                   std::to_string(migration.version - 1) + ", the file has " + std::to_string(found));
        try {
            db.exec(std::string(migration.sql));
        } catch (const db::Error& error) {
            throw std::runtime_error("migration " + std::string(migration.name) + " failed: " + error.what());
        }
        db.exec("DELETE FROM schema_version");
        auto bump = db.prepare("INSERT INTO schema_version (version) VALUES (?1)");
        bump.bind(1, migration.version);
        bump.step();
        tx.commit();
    }
    return latest;
}

}  // namespace fleet::backend
