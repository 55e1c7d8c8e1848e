-- Schedules (POST /api/v1/schedules): cron that starts workflows. The row
-- carries the next due time; firing writes it together with the workflow it
-- starts (or the skip), in one transaction.
CREATE TABLE IF NOT EXISTS schedules (
    schedule_id      TEXT PRIMARY KEY NOT NULL,
    name             TEXT NOT NULL,
    cron             TEXT NOT NULL,     -- as given
    timezone         TEXT NOT NULL,
    workflow         TEXT NOT NULL,     -- JSON: the definition, as validated
    overlap          TEXT NOT NULL,     -- skip | buffer_one | allow
    catchup          TEXT NOT NULL,     -- none | one | all
    paused           INTEGER NOT NULL,
    next_run_at      INTEGER,           -- NULL while paused, or when the expression never matches again
    last_run_at      INTEGER,           -- the due time of the last run started
    last_workflow_id TEXT NOT NULL,     -- '' before the first run
    buffered_for     INTEGER,           -- buffer_one: a due time kept until the last run ends
    runs_started     INTEGER NOT NULL,
    runs_skipped     INTEGER NOT NULL,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL
) STRICT;
CREATE INDEX IF NOT EXISTS schedules_by_created_at ON schedules (created_at, schedule_id);

-- Due times that started nothing, and why (overlap, missed while down).
CREATE TABLE IF NOT EXISTS schedule_skips (
    schedule_id   TEXT NOT NULL,
    scheduled_for INTEGER NOT NULL,
    reason        TEXT NOT NULL,
    recorded_at   INTEGER NOT NULL,
    PRIMARY KEY (schedule_id, scheduled_for)
) STRICT, WITHOUT ROWID;
-- Retention deletes the oldest.
CREATE INDEX IF NOT EXISTS schedule_skips_by_recorded_at ON schedule_skips (recorded_at);

-- A due time starts at most one workflow, whatever crashes when.
CREATE UNIQUE INDEX IF NOT EXISTS workflows_by_scheduled_for ON workflows (schedule_id, scheduled_for)
    WHERE schedule_id <> '';
DROP INDEX IF EXISTS workflows_by_schedule;
