#pragma once

#include "common/clock.hpp"
#include "common/operation_status.hpp"
#include "worker_base/cancellation.hpp"
#include "worker_base/progress_bridge.hpp"

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace fleet::worker {

// A copy of one operation, taken under the lock, for answers and notices.
struct OperationView {
    std::string operation_id;
    std::string operation_type;
    OperationStatus status = OperationStatus::Pending;
    ProgressSnapshot progress;
    // Never changed once set, and shared: a copy of the view copies two pointers, not the JSON.
    std::shared_ptr<const boost::json::object> metadata;  // null: {}
    std::shared_ptr<const boost::json::value> result;     // null until completed
    std::string error_message;
    SystemTime created_at;
    SystemTime updated_at;
    std::optional<SystemTime> started_at;
    std::optional<SystemTime> completed_at;
    // Its end goes back in the answer to the start (work that ends before the
    // answer leaves), so no completion notice is needed.
    bool end_in_start_answer = false;
};

enum class ClaimOutcome { Started, Existing, Busy, Draining };

struct Claim {
    ClaimOutcome outcome = ClaimOutcome::Busy;
    std::string operation_id;  // Started/Existing: the operation; Busy/Draining: one that is running, if any
    std::shared_ptr<ProgressBridge> progress;  // Started only
    CancellationToken token;                   // Started only
};

enum class CancelOutcome { Requested, NotFound, AlreadyTerminal };

struct OperationFilter {
    std::optional<std::string> operation_type;
    std::optional<OperationStatus> status;
    std::size_t limit = 100;
    std::size_t offset = 0;
};

struct OperationPage {
    std::vector<OperationView> operations;  // newest first
    std::size_t total = 0;                  // matching the filter, before paging
};

// The worker-local table of operations. Thread-safe; at most `max_concurrent`
// operations are pending or running, and at most `history_limit` finished
// ones are kept (the oldest finished are evicted first).
class OperationsService {
public:
    using FinishedListener = std::function<void(const OperationView&)>;

    OperationsService(std::string operation_type, std::size_t max_concurrent, std::size_t history_limit = 1000,
                      const Clock& clock = SystemClock::instance());

    // The atomic check-and-claim. A known `task_id` answers Existing and starts
    // nothing; a full or draining worker answers Busy/Draining; otherwise a
    // pending operation is recorded (id = task_id or worker_<12 hex>).
    // `end_in_start_answer`: the work ends before the start is answered, and
    // that answer carries the end (OperationView::end_in_start_answer).
    Claim claim(const std::optional<std::string>& task_id, boost::json::object metadata,
                bool end_in_start_answer = false);

    void mark_running(const std::string& id);
    // Each returns the operation as it ended, the copy its listeners saw; nothing
    // when it is unknown or had already ended.
    std::optional<OperationView> complete(const std::string& id, boost::json::value result);
    std::optional<OperationView> fail(const std::string& id, std::string error_message);
    std::optional<OperationView> mark_cancelled(const std::string& id);

    CancelOutcome cancel(const std::string& id);
    void cancel_all();

    std::optional<OperationView> get(const std::string& id) const;
    OperationPage list(const OperationFilter& filter) const;
    std::optional<MetricsPage> metrics(const std::string& id, std::uint64_t cursor, std::size_t limit) const;

    void set_draining();
    bool draining() const;
    std::vector<std::string> active_ids() const;
    std::map<OperationStatus, std::size_t> count_by_status() const;

    // Called outside the lock whenever an operation reaches a terminal status.
    void on_finished(FinishedListener listener);

private:
    struct Record {
        std::uint64_t sequence = 0;
        OperationView view;
        std::shared_ptr<ProgressBridge> progress;
        CancellationToken token;
    };

    std::optional<OperationView> finish(const std::string& id, OperationStatus status, boost::json::value result,
                                        std::string error);
    OperationView view_of(const Record& record) const;
    void evict_finished();

    const std::string operation_type_;
    const std::size_t max_concurrent_;
    const std::size_t history_limit_;
    const Clock& clock_;

    mutable std::mutex mutex_;
    std::unordered_map<std::string, Record> records_;
    // Ids as records_' keys, which never move while their operation is kept.
    std::map<std::uint64_t, const std::string*> by_age_;  // sequence -> id
    std::deque<const std::string*> finished_order_;
    std::vector<std::string> active_;
    std::uint64_t next_sequence_ = 0;
    bool draining_ = false;
    // Replaced, never changed, when one is added: finish copies the pointer, not the listeners.
    std::shared_ptr<const std::vector<FinishedListener>> listeners_ =
        std::make_shared<const std::vector<FinishedListener>>();
};

}  // namespace fleet::worker
