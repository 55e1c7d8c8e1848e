#pragma once

#include "backend/schedules/schedule.hpp"

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

namespace fleet::backend {

class Database;

// A due time that started nothing, and why.
struct ScheduleSkip {
    SystemTime scheduled_for{};
    std::string reason;
    SystemTime recorded_at{};
};

// The `schedules` and `schedule_skips` tables. Statements are prepared once;
// used on the core thread, like the Database it writes through.
class ScheduleRepository {
public:
    explicit ScheduleRepository(Database& database);
    ~ScheduleRepository();
    ScheduleRepository(const ScheduleRepository&) = delete;
    ScheduleRepository& operator=(const ScheduleRepository&) = delete;

    void insert(const schedules::Schedule& schedule);
    // Where it stands now (what it starts and when never change).
    void update(const schedules::Schedule& schedule);
    void remove(const std::string& schedule_id);
    // Every schedule, oldest first; throws for a row this build cannot read.
    std::vector<schedules::Schedule> load_all();

    void add_skip(const std::string& schedule_id, const ScheduleSkip& skip);
    // The newest `limit` skips of a schedule, newest first.
    std::vector<ScheduleSkip> recent_skips(const std::string& schedule_id, std::size_t limit);

    // Retention: deletes at most `limit` skips recorded before `cutoff`; returns how many.
    std::size_t delete_skips_before(SystemTime cutoff, std::size_t limit);

private:
    struct Statements;
    Database& database_;
    std::unique_ptr<Statements> statements_;
};

}  // namespace fleet::backend
