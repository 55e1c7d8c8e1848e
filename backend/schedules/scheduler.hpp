#pragma once

#include "backend/schedules/schedule.hpp"
#include "backend/storage/schedule_repository.hpp"
#include "backend/storage/write_behind.hpp"
#include "backend/workflows/workflow_engine.hpp"
#include "common/clock.hpp"

#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace fleet::backend {

class BackendMetrics;
class CoreTimers;
class Database;
class EventBus;

// A schedule as GET shows it: the schedule, its next due times, its last runs and skips.
struct ScheduleView {
    schedules::Schedule schedule;
    std::vector<SystemTime> next_run_times;
    std::vector<WorkflowView> recent_runs;
    std::vector<ScheduleSkip> skipped_runs;
};

// What a trigger did.
struct TriggerResult {
    enum class Kind { Started, Skipped, Buffered, NotFound };
    Kind kind = Kind::NotFound;
    std::string workflow_id;  // Started
    std::string reason;       // Skipped
};

// The schedules: each a core timer at its next due time, no polling. At a due
// time the schedule's next due time and what the due time did (a workflow
// started through the engine, or the skip) are written in the same group
// commit, and the unique (schedule_id, scheduled_for) of workflows stands
// behind it: a due time never starts two workflows. Runs on the core thread;
// every schedule lives in memory.
class Scheduler {
public:
    Scheduler(WorkflowEngine& workflows, ScheduleRepository& repository, Database& database, EventBus& events,
              CoreTimers& timers, BackendMetrics& metrics, const Clock& clock);

    // At start-up: the schedules on file.
    void load();
    // Then, on the core thread once the workflows are back: due times missed
    // while the backend was down (the catch-up policy), kept due times whose
    // run ended meanwhile, and every schedule's timer.
    void start();

    // A new schedule (validated: cron, zone, workflow). Returns it as stored.
    schedules::Schedule create(schedules::Schedule schedule);
    enum class Change { Done, NotFound, Refused };
    Change pause(const std::string& schedule_id);
    Change resume(const std::string& schedule_id);
    TriggerResult trigger(const std::string& schedule_id);
    bool remove(const std::string& schedule_id);

    const schedules::Schedule* find(const std::string& schedule_id) const;
    // With its last runs, once what was acknowledged is committed.
    void get(const std::string& schedule_id, std::function<void(std::optional<ScheduleView>)> done);
    struct Page {
        std::vector<ScheduleView> schedules;  // without runs and skips
        std::size_t total = 0;
    };
    Page list(std::size_t limit, std::size_t offset) const;

    static constexpr std::size_t kNextRunTimes = 5;
    static constexpr std::size_t kRecentRuns = 10;
    static constexpr std::size_t kRecentSkips = 20;

private:
    void arm(const schedules::Schedule& schedule);
    void on_timer(const std::string& schedule_id, SystemTime due);
    // A due time (or a trigger) under the overlap policy.
    TriggerResult fire(schedules::Schedule& schedule, SystemTime due);
    std::string start_run(schedules::Schedule& schedule, SystemTime due);
    void skip(schedules::Schedule& schedule, SystemTime due, std::string reason);
    void catch_up(schedules::Schedule& schedule, SystemTime now);
    void on_workflow_ended(const std::string& schedule_id, const std::string& workflow_id);
    void save(schedules::Schedule& schedule);
    std::vector<SystemTime> next_times(const schedules::Schedule& schedule) const;

    WorkflowEngine& workflows_;
    ScheduleRepository& repository_;
    EventBus& events_;
    CoreTimers& timers_;
    BackendMetrics& metrics_;
    const Clock& clock_;
    std::map<std::string, schedules::Schedule> schedules_;
    std::map<std::string, SystemTime> last_triggered_;  // the due time of each schedule's last trigger
    WriteBehind written_;  // last: it writes schedules as it goes
};

}  // namespace fleet::backend
