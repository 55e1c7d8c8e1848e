#include "tools/chaos/audit.hpp"

#include <algorithm>
#include <limits>
#include <regex>
#include <set>

namespace fleet::chaos {
namespace {

constexpr std::size_t kMaxNotes = 20;
constexpr std::int64_t kStillAlive = std::numeric_limits<std::int64_t>::max();

// One process's run of an operation, from its run log.
struct WorkerRun {
    pid_t pid = 0;
    std::string worker_id;
    std::int64_t start_ms = 0;
    std::optional<std::int64_t> end_ms;
    std::optional<OperationStatus> status;
    std::int64_t until_ms = kStillAlive;  // its end, its process's death, or still alive
};

std::map<std::string, std::vector<WorkerRun>> runs_by_operation(const AuditInput& input) {
    std::map<std::string, std::vector<WorkerRun>> runs;
    for (const auto& entry : input.run_log) {
        auto& list = runs[entry.operation_id];
        auto it = std::find_if(list.begin(), list.end(), [&](const WorkerRun& run) { return run.pid == entry.pid; });
        if (it == list.end()) {
            list.push_back({entry.pid, entry.worker_id});
            it = std::prev(list.end());
        }
        if (entry.kind == RunLogEntry::Kind::Start) {
            it->start_ms = entry.at_ms;
        } else {
            it->end_ms = entry.at_ms;
            it->status = entry.status;
        }
    }
    for (auto& [id, list] : runs) {
        for (auto& run : list) {
            if (run.end_ms) {
                run.until_ms = *run.end_ms;
            } else if (const auto death = input.deaths_ms.find(run.pid); death != input.deaths_ms.end()) {
                run.until_ms = death->second;
            }
        }
        std::sort(list.begin(), list.end(), [](const WorkerRun& a, const WorkerRun& b) { return a.start_ms < b.start_ms; });
    }
    return runs;
}

bool declared_lost(const BackendOperation& operation) {
    return operation.status == OperationStatus::Failed && operation.error_message.find("lost") != std::string::npos;
}

void note(AuditReport& report, std::string line) {
    if (report.notes.size() < kMaxNotes) report.notes.push_back(std::move(line));
}

std::string describe(const WorkerRun& run) {
    return run.worker_id + " (pid " + std::to_string(run.pid) + ")";
}

// Ran on two processes at once, completed twice, or started again: from the run logs alone.
void check_runs(const std::string& id, const std::vector<WorkerRun>& runs, const AuditInput& input,
                AuditReport& report) {
    std::vector<const WorkerRun*> completed;
    for (const auto& run : runs)
        if (run.status == OperationStatus::Completed) completed.push_back(&run);
    bool duplicate = false;
    if (completed.size() > 1) {
        duplicate = true;
        report.problems.push_back("duplicate: " + id + " completed on " + describe(*completed[0]) + " and on " +
                                  describe(*completed[1]));
    }
    for (std::size_t i = 0; i + 1 < runs.size() && !duplicate; ++i) {
        for (std::size_t j = i + 1; j < runs.size() && !duplicate; ++j) {
            if (runs[j].start_ms < runs[i].until_ms && runs[i].start_ms < runs[j].until_ms) {
                duplicate = true;
                report.problems.push_back("duplicate: " + id + " ran at once on " + describe(runs[i]) + " and on " +
                                          describe(runs[j]));
            }
        }
    }
    if (duplicate) {
        ++report.duplicates;
        return;
    }
    if (runs.size() < 2) return;
    ++report.retried;
    const WorkerRun& first = runs.front();
    std::string reason = first.end_ms ? "started again after it ended " + std::string(to_string(*first.status))
                                      : "started again after its worker was killed";
    ++report.retried_reasons[reason];
    const auto backend = input.operations.find(id);
    note(report, "retried: " + id + " on " + describe(first) + " then " + describe(runs[1]) + ": " + reason +
                     (backend == input.operations.end() ? std::string()
                                                        : " (backend: attempts " +
                                                              std::to_string(backend->second.attempts) + ")"));
}

// The backend's final status against what the last worker to run it says.
void check_agreement(const std::string& id, const std::vector<WorkerRun>& runs, const AuditInput& input,
                     const std::map<std::string, OperationStatus>& listed, AuditReport& report) {
    const auto found = input.operations.find(id);
    if (found == input.operations.end()) {
        ++report.disagreements;
        report.problems.push_back("disagreement: " + id + " ran on " + describe(runs.back()) +
                                  " but the backend does not know it");
        return;
    }
    const BackendOperation& backend = found->second;
    const WorkerRun& last = runs.back();
    std::optional<OperationStatus> worker_status = last.status;
    if (!worker_status && last.until_ms == kStillAlive) {
        if (const auto it = listed.find(id); it != listed.end()) worker_status = it->second;
    }
    const std::string backend_word(to_string(backend.status));
    const std::string worker_word = worker_status ? std::string(to_string(*worker_status))
                                                  : (last.until_ms == kStillAlive ? "unknown" : "killed mid-run");
    if (worker_status == backend.status) return;
    if (!worker_status && last.until_ms != kStillAlive) {
        // Its worker died under it: anything but a completion the backend could not have heard of is right.
        if (backend.status != OperationStatus::Completed) return;
    } else if (declared_lost(backend) && (!worker_status || is_terminal(*worker_status) ||
                                          *worker_status == OperationStatus::Running)) {
        // The backend gave up on a worker that was only stopped; the work went on there. Fleet's answer
        // stands (failed: lost); the worker's later report is refused by design (proto_docs/chaos.md).
        ++report.overruled;
        note(report, "overruled: " + id + " " + worker_word + " on " + describe(last) + ", backend: failed (" +
                         backend.error_message + ")");
        return;
    }
    ++report.disagreements;
    report.problems.push_back("disagreement: " + id + " is " + backend_word + " in the backend, " + worker_word +
                              " on " + describe(last));
}

}  // namespace

std::string reason_of(const std::string& error_message) {
    if (error_message.empty()) return "(no message)";
    // Ids, ports and counts vary from one operation to the next; the words are the reason.
    static const std::regex varying("[A-Za-z0-9_.:/-]*[0-9][A-Za-z0-9_.:/-]*");
    std::string reason = std::regex_replace(error_message, varying, "#");
    if (reason.size() > 100) reason = reason.substr(0, 100) + "...";
    return reason;
}

AuditReport audit(const AuditInput& input) {
    AuditReport report;
    report.submitted = input.submissions.size();
    for (const auto& submission : input.submissions) {
        switch (submission.outcome) {
            case Submission::Outcome::Unacknowledged: ++report.unacknowledged; continue;
            case Submission::Outcome::Refused: ++report.refused; continue;
            case Submission::Outcome::Acknowledged: break;
        }
        ++report.acknowledged;
        if (submission.replayed) ++report.replayed;
        const auto lost = [&](const std::string& what) {
            ++report.lost;
            report.problems.push_back("lost: " + what + " " + submission.id + " (request " +
                                      std::to_string(submission.index) + ") was acknowledged and is not in the backend");
        };
        if (submission.kind == Submission::Kind::Run) {
            ++report.runs_acknowledged;
            const auto found = input.operations.find(submission.id);
            if (found == input.operations.end()) {
                lost("run");
                continue;
            }
            switch (found->second.status) {
                case OperationStatus::Completed: ++report.completed; break;
                case OperationStatus::Failed:
                    ++report.failed;
                    ++report.failed_reasons[reason_of(found->second.error_message)];
                    break;
                case OperationStatus::Cancelled: ++report.cancelled; break;
                default: ++report.still_running; break;
            }
        } else {
            ++report.workflows_acknowledged;
            const auto found = input.workflows.find(submission.id);
            if (found == input.workflows.end()) {
                lost("workflow");
                continue;
            }
            ++report.workflow_statuses[found->second.status];
            if (!found->second.terminal) ++report.workflows_still_running;
            for (const auto& step : found->second.steps)
                if (step.attempts > 1) ++report.retried_steps;
        }
    }

    std::map<std::string, OperationStatus> listed;
    for (const auto& listing : input.listings) listed[listing.operation_id] = listing.status;
    const auto runs = runs_by_operation(input);
    report.operations_started = runs.size();
    for (const auto& [id, list] : runs) {
        check_runs(id, list, input, report);
        check_agreement(id, list, input, listed, report);
    }
    // The backend says completed, and no worker's run log shows it ever started.
    for (const auto& [id, operation] : input.operations) {
        if (operation.status != OperationStatus::Completed || runs.contains(id)) continue;
        ++report.disagreements;
        report.problems.push_back("disagreement: " + id + " is completed in the backend but no worker ran it");
    }
    return report;
}

}  // namespace fleet::chaos
