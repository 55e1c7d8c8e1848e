#pragma once

#include "backend/operations/operation_record.hpp"

#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace fleet::backend {

// Answers for finished operations, which never change again: put once on the
// core thread when an operation ends, read by the I/O threads, so a GET for a
// finished operation needs neither the core thread nor SQLite. An answer is
// rendered at its first read, on the reading thread, so an operation nobody
// reads costs the core no rendering. Keeps the newest `capacity` entries.
class FinishedCache {
public:
    using Render = std::function<std::string(const OperationRecord&)>;
    explicit FinishedCache(Render render, std::size_t capacity = 10'000)
        : render_(std::move(render)), capacity_(capacity) {}

    void put(std::shared_ptr<const OperationRecord> operation);
    std::optional<std::string> get(const std::string& operation_id) const;
    // Operations deleted from the store: they answer 404 from now on.
    void erase(const std::vector<std::string>& operation_ids);

private:
    struct Entry {
        std::shared_ptr<const OperationRecord> operation;
        std::once_flag rendered;
        std::string answer;
    };

    const Render render_;
    const std::size_t capacity_;
    mutable std::shared_mutex mutex_;
    std::unordered_map<std::string, std::shared_ptr<Entry>> entries_;
    std::deque<std::string> order_;
};

}  // namespace fleet::backend
