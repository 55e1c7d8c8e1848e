#include "backend/storage/schedule_repository.hpp"

#include "backend/schedules/time_zone.hpp"
#include "backend/storage/database.hpp"
#include "backend/storage/sqlite_rows.hpp"

namespace fleet::backend {
namespace {

using namespace sqlite_rows;
using schedules::Schedule;

constexpr const char* kColumns =
    "schedule_id, name, cron, timezone, workflow, overlap, catchup, paused, next_run_at, last_run_at,"
    " last_workflow_id, buffered_for, runs_started, runs_skipped, created_at, updated_at";

// Parameters numbered as in kColumns; the columns an update leaves alone are
// bound for an insert only (the workflow's JSON is not written at every due time).
void bind_schedule(db::Statement& st, const Schedule& s, bool insert) {
    st.bind(1, s.schedule_id);
    if (insert) {
        st.bind(2, s.name);
        st.bind(3, s.cron);
        st.bind(4, s.timezone);
        st.bind(5, to_json(boost::json::value(workflows::to_json(*s.workflow))));
        st.bind(6, to_string(s.overlap));
        st.bind(7, to_string(s.catchup));
        st.bind(15, to_ms(s.created_at));
    }
    st.bind(8, std::int64_t{s.paused ? 1 : 0});
    st.bind(9, to_ms(s.next_run_at));
    st.bind(10, to_ms(s.last_run_at));
    st.bind(11, s.last_workflow_id);
    st.bind(12, to_ms(s.buffered_for));
    st.bind(13, s.runs_started);
    st.bind(14, s.runs_skipped);
    st.bind(16, to_ms(s.updated_at));
}

// Columns in the order of kColumns.
Schedule read_schedule(const db::Statement& row) {
    Schedule s;
    int c = 0;
    s.schedule_id = row.text(c++);
    s.name = row.text(c++);
    s.cron = row.text(c++);
    auto expression = schedules::parse_cron(s.cron);
    if (auto* error = std::get_if<schedules::CronError>(&expression))
        bad_column("schedules.cron", "of " + s.schedule_id + " no longer parses: " + error->message);
    s.expression = std::get<schedules::CronExpression>(expression);
    s.timezone = row.text(c++);
    auto zone = schedules::find_zone(s.timezone);
    if (auto* error = std::get_if<schedules::CronError>(&zone))
        bad_column("schedules.timezone", "of " + s.schedule_id + ": " + error->message);
    s.zone = std::get<const date::time_zone*>(zone);
    auto definition = workflows::parse_definition(parse_object(row.text(c++), "schedules.workflow"));
    if (auto* error = std::get_if<workflows::DefinitionError>(&definition))
        bad_column("schedules.workflow", "of " + s.schedule_id + " no longer validates: " + error->message);
    s.workflow = std::make_shared<const workflows::WorkflowDefinition>(
        std::move(std::get<workflows::WorkflowDefinition>(definition)));
    const auto overlap = schedules::parse_overlap(row.text(c++));
    const auto catchup = schedules::parse_catchup(row.text(c++));
    if (!overlap || !catchup) bad_column("schedules.overlap", "of " + s.schedule_id + " is unknown");
    s.overlap = *overlap;
    s.catchup = *catchup;
    s.paused = row.int64(c++) != 0;
    s.next_run_at = optional_time(row, c++);
    s.last_run_at = optional_time(row, c++);
    s.last_workflow_id = row.text(c++);
    s.buffered_for = optional_time(row, c++);
    s.runs_started = row.int64(c++);
    s.runs_skipped = row.int64(c++);
    s.created_at = from_ms(row.int64(c++));
    s.updated_at = from_ms(row.int64(c++));
    return s;
}

}  // namespace

struct ScheduleRepository::Statements {
    explicit Statements(db::Database& db)
        : insert(db.prepare(insert_sql("schedules", kColumns) + " DO NOTHING")),
          update(db.prepare(update_sql("schedules", kColumns,
                                       {"name", "cron", "timezone", "workflow", "overlap", "catchup", "created_at"}))),
          remove(db.prepare("DELETE FROM schedules WHERE schedule_id = ?1")),
          remove_skips(db.prepare("DELETE FROM schedule_skips WHERE schedule_id = ?1")),
          load_all(db.prepare(std::string("SELECT ") + kColumns + " FROM schedules ORDER BY created_at, schedule_id")),
          add_skip(db.prepare("INSERT INTO schedule_skips (schedule_id, scheduled_for, reason, recorded_at)"
                              " VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING")),
          recent_skips(db.prepare("SELECT scheduled_for, reason, recorded_at FROM schedule_skips"
                                  " WHERE schedule_id = ?1 ORDER BY scheduled_for DESC LIMIT ?2")),
          delete_skips(db.prepare("DELETE FROM schedule_skips WHERE (schedule_id, scheduled_for) IN"
                                  " (SELECT schedule_id, scheduled_for FROM schedule_skips"
                                  " WHERE recorded_at < ?1 ORDER BY recorded_at LIMIT ?2)")) {}

    db::Statement insert;
    db::Statement update;
    db::Statement remove;
    db::Statement remove_skips;
    db::Statement load_all;
    db::Statement add_skip;
    db::Statement recent_skips;
    db::Statement delete_skips;
};

ScheduleRepository::ScheduleRepository(Database& database)
    : database_(database), statements_(std::make_unique<Statements>(database.db_)) {}

ScheduleRepository::~ScheduleRepository() = default;

void ScheduleRepository::insert(const Schedule& schedule) {
    database_.before_write();
    Use st(statements_->insert);
    bind_schedule(*st, schedule, true);
    st->step();
}

void ScheduleRepository::update(const Schedule& schedule) {
    database_.before_write();
    Use st(statements_->update);
    bind_schedule(*st, schedule, false);
    st->step();
}

void ScheduleRepository::remove(const std::string& schedule_id) {
    database_.before_write();
    for (auto* statement : {&statements_->remove, &statements_->remove_skips}) {
        Use st(*statement);
        st->bind(1, schedule_id);
        st->step();
    }
}

std::vector<Schedule> ScheduleRepository::load_all() {
    Use st(statements_->load_all);
    std::vector<Schedule> all;
    while (st->step()) all.push_back(read_schedule(*st));
    return all;
}

void ScheduleRepository::add_skip(const std::string& schedule_id, const ScheduleSkip& skip) {
    database_.before_write();
    Use st(statements_->add_skip);
    st->bind(1, schedule_id);
    st->bind(2, to_ms(skip.scheduled_for));
    st->bind(3, skip.reason);
    st->bind(4, to_ms(skip.recorded_at));
    st->step();
}

std::vector<ScheduleSkip> ScheduleRepository::recent_skips(const std::string& schedule_id, std::size_t limit) {
    Use st(statements_->recent_skips);
    st->bind(1, schedule_id);
    st->bind(2, clamp_to_int64(limit));
    std::vector<ScheduleSkip> skips;
    while (st->step()) skips.push_back({from_ms(st->int64(0)), st->text(1), from_ms(st->int64(2))});
    return skips;
}

std::size_t ScheduleRepository::delete_skips_before(SystemTime cutoff, std::size_t limit) {
    database_.before_write();
    return delete_older(database_.db_, statements_->delete_skips, cutoff, limit);
}

}  // namespace fleet::backend
