-- Admin runs (POST /api/v1/admin/workers/run): what a run adds to its
-- operation. The operation itself stays in `operations`, under the same id;
-- a run's status, progress and result are the operation's.
CREATE TABLE IF NOT EXISTS admin_runs (
    run_id          TEXT PRIMARY KEY NOT NULL,  -- the operation's id
    bot             TEXT NOT NULL,              -- the worker type
    params          TEXT NOT NULL,              -- JSON object, as the admin gave it
    is_strict       INTEGER NOT NULL,           -- 0 or 1: "strict" as asked
    idempotency_key TEXT,                       -- NULL without one, or once it expired
    fingerprint     TEXT NOT NULL,              -- of the request, to tell a repeat from a different one
    warning         TEXT NOT NULL,              -- '' or the overlap it was started with
    rerun_of        TEXT NOT NULL,              -- '' or the run it repeats
    created_at      INTEGER NOT NULL
) STRICT;

CREATE UNIQUE INDEX IF NOT EXISTS admin_runs_by_idempotency_key ON admin_runs (idempotency_key)
    WHERE idempotency_key IS NOT NULL;
CREATE INDEX IF NOT EXISTS admin_runs_by_created_at ON admin_runs (created_at, run_id);
CREATE INDEX IF NOT EXISTS admin_runs_by_bot ON admin_runs (bot, created_at);

-- A run goes with its operation (retention deletes finished ones). A trigger
-- rather than a foreign key: the operation is written behind, at the group
-- commit, after the run row, and deletes are off the hot path.
CREATE TRIGGER IF NOT EXISTS admin_runs_follow_operations AFTER DELETE ON operations
BEGIN
    DELETE FROM admin_runs WHERE run_id = OLD.operation_id;
END;
