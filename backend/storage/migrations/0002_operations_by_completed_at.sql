-- Retention finds finished operations by age. Only finished ones have a
-- completed_at, so the index stays small and a write that leaves it NULL
-- costs it nothing. IF NOT EXISTS: releases before numbered migrations
-- created it on open while still calling themselves version 1.
CREATE INDEX IF NOT EXISTS operations_by_completed_at ON operations (completed_at) WHERE completed_at IS NOT NULL;
