-- Workflows (POST /api/v1/workflows): one row a workflow. The definition is
-- written once; each change of the run rewrites `state` (JSON: statuses,
-- attempts, results, timers' due times, signals) and the columns lists
-- filter on, in the core's group commit with the operations it started.
CREATE TABLE IF NOT EXISTS workflows (
    workflow_id   TEXT PRIMARY KEY NOT NULL,
    name          TEXT NOT NULL,
    status        TEXT NOT NULL,
    active        INTEGER NOT NULL,   -- 1 until it ended and no attempt of it is still stopping
    schedule_id   TEXT NOT NULL,      -- '' unless a schedule started it
    scheduled_for INTEGER,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    definition    TEXT NOT NULL,      -- JSON, as validated
    state         TEXT NOT NULL       -- JSON
) STRICT;

CREATE INDEX IF NOT EXISTS workflows_by_created_at ON workflows (created_at, workflow_id);
CREATE INDEX IF NOT EXISTS workflows_by_status ON workflows (status, created_at);
CREATE INDEX IF NOT EXISTS workflows_by_name ON workflows (name, created_at);
CREATE INDEX IF NOT EXISTS workflows_by_schedule ON workflows (schedule_id, scheduled_for) WHERE schedule_id <> '';
CREATE INDEX IF NOT EXISTS workflows_active ON workflows (active) WHERE active = 1;
