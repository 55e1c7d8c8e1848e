-- Only operations that have a worker are in operations_by_worker. A queued
-- operation has none (worker_id ''), and when the workers are busy every start
-- waits in the queue first: the index kept an entry for it under '' and moved
-- it at the claim, two B-tree writes an operation for an entry no list reads
-- (a list by worker names one; an empty worker_id in a query is no filter).
-- Lists by worker say `worker_id <> ''` too, so SQLite picks this index.
DROP INDEX IF EXISTS operations_by_worker;
CREATE INDEX IF NOT EXISTS operations_by_worker ON operations (worker_id, created_at) WHERE worker_id <> '';
