#include "backend/schedules/scheduler.hpp"

#include "backend/core/core_timers.hpp"
#include "backend/core/event_bus.hpp"
#include "backend/metrics.hpp"
#include "backend/schedules/schedule_rules.hpp"
#include "common/ids.hpp"
#include "common/log.hpp"

#include <algorithm>

namespace fleet::backend {
namespace {

using namespace schedules;

constexpr std::size_t kScheduleIdHex = 24;  // 96 random bits
// Due times missed while down that are listed one by one (at one a second, a quarter of an hour).
constexpr std::size_t kMaxMissedListed = 1000;
// Of those, how many are recorded as skips one by one (the rest are counted).
constexpr std::size_t kMaxMissedRecorded = 100;
constexpr const char* kMissed = "missed while the backend was down";

// Due times are stored in milliseconds: a trigger's is too.
SystemTime whole_ms(SystemTime t) { return std::chrono::floor<std::chrono::milliseconds>(t); }

}  // namespace

Scheduler::Scheduler(WorkflowEngine& workflows, ScheduleRepository& repository, Database& database, EventBus& events,
                     CoreTimers& timers, BackendMetrics& metrics, const Clock& clock)
    : workflows_(workflows),
      repository_(repository),
      events_(events),
      timers_(timers),
      metrics_(metrics),
      clock_(clock),
      written_(database, [this](const std::string& id) {
          if (const auto it = schedules_.find(id); it != schedules_.end()) repository_.update(it->second);
      }) {
    events.subscribe<WorkflowStatusChanged>([this](const WorkflowStatusChanged& changed) {
        if (!changed.schedule_id.empty() && workflows::is_terminal(changed.to))
            on_workflow_ended(changed.schedule_id, changed.workflow_id);
    });
}

void Scheduler::load() {
    schedules_.clear();
    for (auto& schedule : repository_.load_all()) {
        auto id = schedule.schedule_id;
        schedules_.emplace(std::move(id), std::move(schedule));
    }
    if (!schedules_.empty()) log::info(schedules_.size(), " schedules on file");
}

void Scheduler::start() {
    const auto now = clock_.now();
    for (auto& [id, schedule] : schedules_) {
        // A kept due time whose run ended while the backend was down goes first (as it
        // would have, paused or not, had the backend been up).
        if (schedule.buffered_for && !workflows_.is_active(schedule.last_workflow_id)) {
            const auto due = *schedule.buffered_for;
            schedule.buffered_for.reset();
            start_run(schedule, due);
            save(schedule);
        }
        if (schedule.paused) continue;
        if (schedule.next_run_at && *schedule.next_run_at <= now) catch_up(schedule, now);
        arm(schedule);
    }
}

void Scheduler::catch_up(Schedule& schedule, SystemTime now) {
    std::vector<SystemTime> missed;
    const auto list_from = [&](std::optional<SystemTime> due) {
        missed.clear();
        while (due && *due <= now && missed.size() < kMaxMissedListed) {
            missed.push_back(*due);
            due = schedule.next_after(*due);
        }
        return due && *due <= now;
    };
    bool more = list_from(schedule.next_run_at);
    std::size_t unlisted = 0;
    if (more) {
        // Too many to list: the latest ones are those a catch-up runs, so list again from
        // a tenth of the listed stretch back from now (the ones between are only counted, roughly).
        const auto first = missed;
        const auto spacing = (first.back() - first.front()) / static_cast<int>(first.size() - 1);
        more = list_from(schedule.next_after(now - (first.back() - first.front()) / 10 - std::chrono::seconds(1)));
        // Those of the first list before the second, and those between the two, estimated
        // from the first list's spacing.
        const auto second_starts = missed.empty() ? now : missed.front();
        unlisted = static_cast<std::size_t>(
            std::count_if(first.begin(), first.end(), [&](SystemTime t) { return t < second_starts; }));
        const auto gap = second_starts - first.back();
        if (spacing.count() > 0 && gap > spacing) unlisted += static_cast<std::size_t>(gap / spacing) - 1;
    }
    auto plan = schedules::catch_up(schedule.catchup, missed);
    const auto recorded = plan.missed.size() > kMaxMissedRecorded ? plan.missed.end() - kMaxMissedRecorded
                                                                   : plan.missed.begin();
    for (auto it = recorded; it != plan.missed.end(); ++it) skip(schedule, *it, kMissed);
    // The rest are only counted.
    const auto uncounted = static_cast<std::int64_t>(recorded - plan.missed.begin() + unlisted);
    schedule.runs_skipped += uncounted;
    metrics_.schedule_runs_skipped(static_cast<std::uint64_t>(uncounted));
    for (const auto run : plan.run) fire(schedule, run);
    schedule.next_run_at = schedule.next_after(now);
    log::info("schedule ", schedule.schedule_id, ": ", missed.size() + unlisted, unlisted > 0 || more ? "+" : "",
              " due times missed while down; catchup ", to_string(schedule.catchup), " started ", plan.run.size());
    save(schedule);
}

Schedule Scheduler::create(Schedule schedule) {
    const auto now = clock_.now();
    do schedule.schedule_id = time_ordered_id("sch_", now, kScheduleIdHex);
    while (schedules_.contains(schedule.schedule_id));
    schedule.created_at = whole_ms(now);
    schedule.updated_at = schedule.created_at;
    if (!schedule.paused) schedule.next_run_at = schedule.next_after(now);
    repository_.insert(schedule);
    auto& stored = schedules_.emplace(schedule.schedule_id, std::move(schedule)).first->second;
    log::info("schedule ", stored.schedule_id, " (", stored.name, ") created: ", stored.cron, " in ", stored.timezone);
    arm(stored);
    return stored;
}

void Scheduler::arm(const Schedule& schedule) {
    if (schedule.paused || !schedule.next_run_at) return;
    timers_.at(*schedule.next_run_at,
               [this, id = schedule.schedule_id, due = *schedule.next_run_at] { on_timer(id, due); });
}

void Scheduler::on_timer(const std::string& schedule_id, SystemTime due) {
    const auto it = schedules_.find(schedule_id);
    // Paused, deleted or moved on since this timer was set: nothing.
    if (it == schedules_.end() || it->second.paused || it->second.next_run_at != due) return;
    Schedule& schedule = it->second;
    fire(schedule, due);
    schedule.next_run_at = schedule.next_after(due);
    save(schedule);
    arm(schedule);
}

TriggerResult Scheduler::fire(Schedule& schedule, SystemTime due) {
    const bool previous_active = !schedule.last_workflow_id.empty() && workflows_.is_active(schedule.last_workflow_id);
    const auto outcome = on_due(schedule, previous_active, due);
    switch (outcome.kind) {
        case DueOutcome::Kind::Start: return {TriggerResult::Kind::Started, start_run(schedule, due), {}};
        case DueOutcome::Kind::Skip: skip(schedule, due, outcome.reason); return {TriggerResult::Kind::Skipped, {}, outcome.reason};
        case DueOutcome::Kind::Buffer: schedule.buffered_for = due; return {TriggerResult::Kind::Buffered, {}, {}};
    }
    return {};
}

std::string Scheduler::start_run(Schedule& schedule, SystemTime due) {
    const auto id = workflows_.submit(schedule.workflow, schedule.schedule_id, due);
    metrics_.schedule_run_started(clock_.now() - due);
    schedule.last_workflow_id = id;
    schedule.last_run_at = due;
    ++schedule.runs_started;
    if (events_.wanted<ScheduleFired>()) events_.publish(ScheduleFired{schedule.schedule_id, due, id});
    return id;
}

void Scheduler::skip(Schedule& schedule, SystemTime due, std::string reason) {
    log::debug("schedule ", schedule.schedule_id, ": due time ", to_iso8601(due), " skipped (", reason, ")");
    if (events_.wanted<ScheduleSkipped>()) events_.publish(ScheduleSkipped{schedule.schedule_id, due, reason});
    repository_.add_skip(schedule.schedule_id, {due, std::move(reason), clock_.now()});
    ++schedule.runs_skipped;
    metrics_.schedule_runs_skipped();
}

void Scheduler::on_workflow_ended(const std::string& schedule_id, const std::string& workflow_id) {
    const auto it = schedules_.find(schedule_id);
    if (it == schedules_.end()) return;
    Schedule& schedule = it->second;
    if (!schedule.buffered_for || schedule.last_workflow_id != workflow_id) return;
    const auto due = *schedule.buffered_for;
    schedule.buffered_for.reset();
    start_run(schedule, due);
    save(schedule);
}

void Scheduler::save(Schedule& schedule) {
    schedule.updated_at = clock_.now();
    // Written at the group commit, with the workflow or the skip of the due time.
    written_.mark(schedule.schedule_id);
}

Scheduler::Change Scheduler::pause(const std::string& schedule_id) {
    const auto it = schedules_.find(schedule_id);
    if (it == schedules_.end()) return Change::NotFound;
    if (it->second.paused) return Change::Refused;
    it->second.paused = true;
    it->second.next_run_at.reset();
    save(it->second);
    return Change::Done;
}

Scheduler::Change Scheduler::resume(const std::string& schedule_id) {
    const auto it = schedules_.find(schedule_id);
    if (it == schedules_.end()) return Change::NotFound;
    if (!it->second.paused) return Change::Refused;
    // Paused time is not missed time: the next due time counts from now.
    it->second.paused = false;
    it->second.next_run_at = it->second.next_after(clock_.now());
    save(it->second);
    arm(it->second);
    return Change::Done;
}

TriggerResult Scheduler::trigger(const std::string& schedule_id) {
    const auto it = schedules_.find(schedule_id);
    if (it == schedules_.end()) return {};
    Schedule& schedule = it->second;
    // A due time names one run: a trigger's comes after every run and trigger so far, and is
    // never a due time of the expression (its timer will fire for that one).
    auto due = whole_ms(clock_.now());
    const auto after = [&due](SystemTime taken) { due = std::max(due, taken + std::chrono::milliseconds(1)); };
    if (schedule.last_run_at) after(*schedule.last_run_at);
    if (const auto last = last_triggered_.find(schedule_id); last != last_triggered_.end()) after(last->second);
    while (schedule.next_after(due - std::chrono::milliseconds(1)) == due) due += std::chrono::milliseconds(1);
    last_triggered_[schedule_id] = due;
    auto result = fire(schedule, due);
    save(schedule);
    return result;
}

bool Scheduler::remove(const std::string& schedule_id) {
    if (schedules_.erase(schedule_id) == 0) return false;
    last_triggered_.erase(schedule_id);
    repository_.remove(schedule_id);
    log::info("schedule ", schedule_id, " deleted");
    return true;
}

const Schedule* Scheduler::find(const std::string& schedule_id) const {
    const auto it = schedules_.find(schedule_id);
    return it == schedules_.end() ? nullptr : &it->second;
}

std::vector<SystemTime> Scheduler::next_times(const Schedule& schedule) const {
    std::vector<SystemTime> times;
    auto due = schedule.next_run_at ? schedule.next_run_at : schedule.next_after(clock_.now());
    while (due && times.size() < kNextRunTimes) {
        times.push_back(*due);
        due = schedule.next_after(*due);
    }
    return times;
}

void Scheduler::get(const std::string& schedule_id, std::function<void(std::optional<ScheduleView>)> done) {
    const Schedule* schedule = find(schedule_id);
    if (!schedule) return done(std::nullopt);
    WorkflowQuery runs;
    runs.schedule_id = schedule_id;
    runs.limit = kRecentRuns;
    workflows_.list(runs, [this, schedule_id, done = std::move(done)](WorkflowEngine::Page page) {
        const Schedule* schedule = find(schedule_id);
        if (!schedule) return done(std::nullopt);
        done(ScheduleView{*schedule, next_times(*schedule), std::move(page.workflows),
                          repository_.recent_skips(schedule_id, kRecentSkips)});
    });
}

Scheduler::Page Scheduler::list(std::size_t limit, std::size_t offset) const {
    std::vector<const Schedule*> newest;
    for (const auto& [id, schedule] : schedules_) newest.push_back(&schedule);
    std::sort(newest.begin(), newest.end(), [](const Schedule* a, const Schedule* b) {
        return std::tie(a->created_at, a->schedule_id) > std::tie(b->created_at, b->schedule_id);
    });
    Page page;
    page.total = newest.size();
    for (std::size_t i = offset; i < newest.size() && page.schedules.size() < limit; ++i)
        page.schedules.push_back(ScheduleView{*newest[i], next_times(*newest[i]), {}, {}});
    return page;
}

}  // namespace fleet::backend
