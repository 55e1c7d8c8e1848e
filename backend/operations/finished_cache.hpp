#pragma once

#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace fleet::backend {

struct OperationRecord;

// Answers for finished operations, which never change again: filled on the
// core thread when an operation ends, read by the I/O threads, so a GET for a
// finished operation needs neither the core thread nor SQLite.
//
// An operation that ends is kept as its record (the one its OperationEnded
// event carries: no copy) and rendered only when it is first asked for, on
// the asking thread; its answer is kept as text from then on. Most
// operations are never read after they end; rendering every one was about 4%
// of the backend's CPU samples under bench_backend's load. Keeps the newest
// `capacity` answers, and the newest `unread_capacity` records not yet asked
// for (a record takes more memory than its text); what falls out is read
// from the store.
class FinishedCache {
public:
    using Render = std::function<std::string(const OperationRecord&)>;

    explicit FinishedCache(Render render = {}, std::size_t capacity = 10'000, std::size_t unread_capacity = 2'000);

    // Core thread: `operation` has ended and is committed.
    void ended(std::shared_ptr<const OperationRecord> operation);
    // An answer rendered already.
    void put(const std::string& operation_id, std::string answer);
    // Any thread.
    std::optional<std::string> get(const std::string& operation_id);
    // Operations deleted from the store: they answer 404 from now on.
    void erase(const std::vector<std::string>& operation_ids);

private:
    void put_locked(const std::string& operation_id, std::string answer);

    const Render render_;
    const std::size_t capacity_;
    const std::size_t unread_capacity_;
    std::shared_mutex mutex_;
    std::unordered_map<std::string, std::string> answers_;
    std::deque<std::string> order_;
    std::unordered_map<std::string, std::shared_ptr<const OperationRecord>> unread_;
    std::deque<std::string> unread_order_;  // may still name records read since: bounded all the same
};

}  // namespace fleet::backend
