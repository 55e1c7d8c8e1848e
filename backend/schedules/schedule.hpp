#pragma once

#include "backend/schedules/cron.hpp"
#include "backend/workflows/workflow_definition.hpp"
#include "common/clock.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace date {
class time_zone;
}

namespace fleet::backend::schedules {

// What a due time does while the schedule's previous run is still active.
enum class Overlap { Skip, BufferOne, Allow };
// What due times missed while the backend was down do when it starts.
enum class Catchup { None, One, All };

std::string_view to_string(Overlap overlap);
std::optional<Overlap> parse_overlap(std::string_view text);
std::string_view to_string(Catchup catchup);
std::optional<Catchup> parse_catchup(std::string_view text);

// A schedule: what it starts, when, and where it stands.
struct Schedule {
    std::string schedule_id;
    std::string name;
    std::string cron;  // as given
    CronExpression expression;
    std::string timezone;
    const date::time_zone* zone = nullptr;
    std::shared_ptr<const workflows::WorkflowDefinition> workflow;
    Overlap overlap = Overlap::Skip;
    Catchup catchup = Catchup::One;
    bool paused = false;
    std::optional<SystemTime> next_run_at;
    std::optional<SystemTime> last_run_at;
    std::string last_workflow_id;
    std::optional<SystemTime> buffered_for;
    std::int64_t runs_started = 0;
    std::int64_t runs_skipped = 0;
    SystemTime created_at{};
    SystemTime updated_at{};

    // The first due time after `after` (its anchor, for `@every`, is created_at).
    std::optional<SystemTime> next_after(SystemTime after) const;
};

}  // namespace fleet::backend::schedules
