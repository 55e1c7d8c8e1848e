#pragma once

#include "backend/admin/admin_run.hpp"
#include "backend/dispatch/start_request.hpp"
#include "backend/operations/proxy_results.hpp"
#include "common/clock.hpp"

#include <boost/json/object.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace fleet::backend {

class AdminRunRepository;
class CoreExecutor;
class Dispatcher;
class EventBus;
class OperationBook;
class OperationProxy;

// A run the admin asked for, validated: the bot is a worker type and its
// type's own parser took the params.
struct RunRequest {
    std::string bot;     // the worker type
    std::string domain;  // where its operations start
    boost::json::object params;
    bool strict = false;
    std::string idempotency_key;  // empty: none
    std::string rerun_of;         // empty: a new run
};

// What became of a run request, in the service's words; backend/api turns it into HTTP.
struct RunOutcome {
    enum class Kind {
        Started,   // a new run: `run` (with its warning, if it overlaps another)
        Replayed,  // the Idempotency-Key's first run: `run`
        KeyReused, // the key belongs to a different request: `other_run_id`
        Overlaps,  // refused, strict: the bot's active run is `other_run_id`
        NoWorker,  // no registered worker runs the bot; nothing was stored
        Refused,   // the worker refused the params: `run` (failed), with its answer in `worker`
    };
    Kind kind = Kind::Started;
    std::optional<AdminRun> run;
    std::string other_run_id;
    std::string message;
    WorkerAnswer worker;
};

// Admin runs: operations started through the dispatcher and seen in the
// admin's words, with what a run adds (bot, params as given, idempotency
// key) stored beside each. Runs on the core thread. Knows which runs are
// active from their starts and OperationEnded, so an ordinary operation costs
// it one hash lookup when it ends and nothing else.
class AdminRuns {
public:
    struct Settings {
        bool strict_overlap = false;  // --strict-overlap: every overlap is refused
        std::chrono::seconds idempotency_ttl{std::chrono::hours(24)};
    };

    AdminRuns(Dispatcher& dispatcher, OperationProxy& proxy, OperationBook& operations, AdminRunRepository& runs,
              EventBus& events, CoreExecutor& core, const Clock& clock, Settings settings);

    // After the operations are loaded: the runs still active.
    void load();

    void run(RunRequest request, std::function<void(RunOutcome)> done);
    // A new run with the bot and params of `run_id`; nothing when it is unknown.
    std::optional<RunRequest> rerun_request(const std::string& run_id, bool strict, std::string idempotency_key);

    // The run as the store and memory hold it.
    std::optional<AdminRun> find(const std::string& run_id);
    // The run with its operation refreshed from its worker when the view is older than the cache TTL.
    void get(const std::string& run_id, std::function<void(std::optional<AdminRun>)> done);

    struct Page {
        std::vector<AdminRun> runs;
        std::size_t total = 0;
    };
    // Read once everything acknowledged so far is committed (the list joins the
    // operations); the page's runs on workers are refreshed as get() does.
    void list(const RunQuery& query, std::function<void(Page)> done);

    // Cancels the run's operation as the proxy does; NotFound for an unknown run.
    void cancel(const std::string& run_id, std::function<void(CancelResult)> done);

    const Clock& clock() const { return clock_; }

    // The bot of a run still active (its operation not ended), if `run_id` is one.
    std::optional<std::string> active_bot(const std::string& run_id) const;

private:
    // The newest active run of `bot`, if any.
    std::optional<AdminRun> active_run_of(const std::string& bot);

    Dispatcher& dispatcher_;
    OperationProxy& proxy_;
    OperationBook& operations_;
    AdminRunRepository& runs_;
    CoreExecutor& core_;
    const Clock& clock_;
    Settings settings_;
    // Active runs (their operation not finished): run id -> (bot, order of start).
    struct Active {
        std::string bot;
        std::uint64_t order = 0;
    };
    std::unordered_map<std::string, Active> active_;
    std::uint64_t next_order_ = 0;
};

}  // namespace fleet::backend
