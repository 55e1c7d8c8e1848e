#include "backend/storage/write_behind.hpp"

#include "backend/storage/database.hpp"

#include <utility>

namespace fleet::backend {

WriteBehind::WriteBehind(Database& database, std::function<void(const std::string& id)> write)
    : database_(database), write_(std::move(write)) {}

WriteBehind::~WriteBehind() {
    write_all();
    *alive_ = false;
}

void WriteBehind::mark(const std::string& id) {
    marked_.insert(id);
    if (scheduled_) return;
    scheduled_ = true;
    database_.before_commit([this, alive = alive_] {
        if (*alive) write_all();
    });
}

void WriteBehind::write_all() {
    scheduled_ = false;
    for (const auto& id : std::exchange(marked_, {})) write_(id);
}

}  // namespace fleet::backend
