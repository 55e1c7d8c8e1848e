-- The first release's schema, as it shipped. Never edit a migration that has
-- shipped: add the next one.
--
-- Times are INTEGER milliseconds since the Unix epoch (NULL for an empty
-- optional); JSON is stored as its text; statuses as their API words.
CREATE TABLE IF NOT EXISTS schema_version (
    version INTEGER NOT NULL
) STRICT;
INSERT INTO schema_version (version) SELECT 1 WHERE NOT EXISTS (SELECT 1 FROM schema_version);

CREATE TABLE IF NOT EXISTS workers (
    worker_id             TEXT PRIMARY KEY NOT NULL,
    worker_type           TEXT NOT NULL,
    domain                TEXT NOT NULL,
    endpoint_url          TEXT NOT NULL,
    capabilities          TEXT NOT NULL,     -- JSON object
    max_concurrent        INTEGER NOT NULL,
    version               TEXT NOT NULL,
    instance_id           TEXT NOT NULL,
    status                TEXT NOT NULL,
    operations            TEXT NOT NULL,     -- JSON array of operation ids
    last_health_check     INTEGER,
    health_check_failures INTEGER NOT NULL,
    registered_at         INTEGER NOT NULL,
    unavailable_since     INTEGER,
    last_dispatched_at    INTEGER NOT NULL
) STRICT;

CREATE TABLE IF NOT EXISTS operations (
    operation_id       TEXT PRIMARY KEY NOT NULL,
    domain             TEXT NOT NULL,
    operation_type     TEXT NOT NULL,
    status             TEXT NOT NULL,
    priority           INTEGER NOT NULL,
    requirements       TEXT NOT NULL,        -- JSON object
    parameters         TEXT NOT NULL,        -- JSON object
    max_retries        INTEGER NOT NULL,
    attempts           INTEGER NOT NULL,
    worker_losses      INTEGER NOT NULL,
    worker_id          TEXT NOT NULL,        -- '' while queued
    worker_instance_id TEXT NOT NULL,
    progress           TEXT NOT NULL,        -- JSON object
    result             TEXT NOT NULL,        -- JSON value, 'null' until completed
    error_message      TEXT NOT NULL,
    created_at         INTEGER NOT NULL,
    updated_at         INTEGER NOT NULL,
    started_at         INTEGER,
    completed_at       INTEGER,
    refreshed_at       INTEGER,
    unknown_since      INTEGER
) STRICT;

CREATE INDEX IF NOT EXISTS operations_by_status     ON operations (status, created_at);
CREATE INDEX IF NOT EXISTS operations_by_type       ON operations (operation_type, created_at);
CREATE INDEX IF NOT EXISTS operations_by_worker     ON operations (worker_id, created_at);
CREATE INDEX IF NOT EXISTS operations_by_created_at ON operations (created_at, operation_id);
