#pragma once

#include <cstddef>
#include <deque>
#include <optional>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace fleet::backend {

// Answers for finished operations, which never change again: written once on
// the core thread when an operation ends, read by the I/O threads, so a GET
// for a finished operation needs neither the core thread nor SQLite. Keeps
// the newest `capacity` entries.
class FinishedCache {
public:
    explicit FinishedCache(std::size_t capacity = 10'000) : capacity_(capacity) {}

    void put(const std::string& operation_id, std::string answer);
    std::optional<std::string> get(const std::string& operation_id) const;
    // Operations deleted from the store: they answer 404 from now on.
    void erase(const std::vector<std::string>& operation_ids);

private:
    const std::size_t capacity_;
    mutable std::shared_mutex mutex_;
    std::unordered_map<std::string, std::string> answers_;
    std::deque<std::string> order_;
};

}  // namespace fleet::backend
