#pragma once

#include "backend/core/core_executor.hpp"
#include "backend/dispatch/worker_client.hpp"
#include "backend/operations/proxy_results.hpp"
#include "backend/storage/operation_query.hpp"
#include "backend/storage/reader_thread.hpp"
#include "common/clock.hpp"

#include <chrono>

#include <functional>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace fleet::backend {

class BackendMetrics;
class CoreTimers;
class Dispatcher;
class OperationBook;
class OperationRepository;
class Registry;

// Questions about operations: answered from the store while fresh (cache TTL)
// or final, else refreshed from the worker that runs it; metrics and cancel
// go to that worker. Runs on the core thread and answers there, in plain
// results (proxy_results.hpp); lists and finished operations are read on the
// reader thread.
class OperationProxy {
public:
    template <typename Result>
    using Done = std::function<void(Result)>;

    struct Settings {
        std::chrono::milliseconds cache_ttl{1'000};         // a view younger than this is answered as it is
        std::chrono::milliseconds unknown_grace{60'000};   // a running operation its worker does not know
    };

    OperationProxy(OperationBook& operations, OperationRepository& repository, Registry& registry, WorkerClient& workers,
                   Dispatcher& dispatcher, CoreExecutor& core, CoreTimers& timers, ReaderThread& reader,
                   BackendMetrics& metrics, const Clock& clock, Settings settings);

    // The operation as it is now; `force_refresh` asks its worker even while the view is fresh.
    void get(const std::string& operation_id, bool force_refresh, Done<OperationLookup> done);
    // A page of the operations that match, read from the store; nothing when the read failed.
    void list(const OperationQuery& query, Done<std::optional<OperationRows>> done);
    // The same page made into `Shaped` by `shape`, on the reader thread: a large page is
    // shaped (serialized, say) without holding up the core.
    template <typename Shaped>
    void list(const OperationQuery& query, std::function<Shaped(OperationRows)> shape, Done<std::optional<Shaped>> done);
    // The operation's metrics from its worker; `query` is the worker's query string (cursor, limit).
    void metrics(const std::string& operation_id, const std::string& query, Done<MetricsResult> done);
    void cancel(const std::string& operation_id, Done<CancelResult> done);

    // Fetches the worker's view and takes it in; a worker that does not know a
    // running operation for longer than the grace loses it. `then` may be empty.
    // While a fetch of the operation is under way, a new one joins it: many
    // clients watching one operation cost its worker one call.
    void refresh(const std::string& operation_id, std::function<void()> then);
    // Refreshes those of `operation_ids` that are on a worker and were last heard
    // from longer ago than the cache TTL, then runs `then` once, when every fetch
    // has answered (at once when none is stale): a page of runs or a workflow's
    // steps shown as their workers see them.
    void refresh_stale(const std::vector<std::string>& operation_ids, std::function<void()> then);

private:
    // `read` on the reader thread once what it must see is committed; `done` on the core thread.
    template <typename Result>
    void read(std::function<Result(OperationReader&)> read, Done<std::optional<Result>> done);
    std::optional<std::size_t> known_total(const OperationQuery& query) const;

    void take_in(const std::string& operation_id, const std::string& worker_id, const http::ClientResponse& response);
    // An answer about `operation` that could not be read: asked again a few times, then the operation fails.
    void unreadable(OperationRecord& operation, const std::string& why);

    OperationBook& operations_;
    OperationRepository& repository_;
    Registry& registry_;
    WorkerClient& workers_;
    Dispatcher& dispatcher_;
    CoreExecutor& core_;
    CoreTimers& timers_;
    ReaderThread& reader_;
    BackendMetrics& metrics_;
    const Clock& clock_;
    const Settings settings_;
    // Fetches under way, by operation, with whoever waits for their answer.
    std::unordered_map<std::string, std::vector<std::function<void()>>> refreshing_;
};

template <typename Shaped>
void OperationProxy::list(const OperationQuery& query, std::function<Shaped(OperationRows)> shape,
                          Done<std::optional<Shaped>> done) {
    read<Shaped>([query, total = known_total(query), shape = std::move(shape)](
                     OperationReader& reader) { return shape(reader.list(query, total)); },
                 std::move(done));
}

template <typename Result>
void OperationProxy::read(std::function<Result(OperationReader&)> read, Done<std::optional<Result>> done) {
    // After the commit, so that the read sees everything written before it was asked.
    core_.post_after_commit([this, read = std::move(read), done = std::move(done)]() mutable {
        reader_.read<Result>(std::move(read), std::move(done));
    });
}

}  // namespace fleet::backend
