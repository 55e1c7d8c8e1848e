#pragma once

#include <functional>
#include <memory>
#include <string>
#include <unordered_set>

namespace fleet::backend {

class Database;

// Records kept in memory and written behind, just before the group commit
// that carries the batch (Database::before_commit): several changes of one
// record in a batch cost one write, and the write is in the same transaction
// as everything else the batch holds. Core thread only.
class WriteBehind {
public:
    // `write(id)` writes the record now, as memory holds it.
    WriteBehind(Database& database, std::function<void(const std::string& id)> write);
    // What is pending is written now: the database commits it when it closes, after this is gone.
    ~WriteBehind();
    WriteBehind(const WriteBehind&) = delete;
    WriteBehind& operator=(const WriteBehind&) = delete;

    void mark(const std::string& id);
    // Changed, and not yet written.
    bool pending(const std::string& id) const { return marked_.contains(id); }

private:
    void write_all();

    Database& database_;
    std::function<void(const std::string&)> write_;
    std::unordered_set<std::string> marked_;
    bool scheduled_ = false;
    // False once this is gone: a write it left with the database's commit does nothing then.
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace fleet::backend
