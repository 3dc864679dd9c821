-- The tables a dashboard's day bar opens: `/cases?opened=2026-12-03&archived=any` and
-- `…&closed=2026-12-03`. Without these, a day's few hundred cases are found by reading
-- the workspace's million in update order; with them, by the day's range.
CREATE INDEX cases_opened_idx ON cases (tenant_id, created_at);
CREATE INDEX cases_closed_idx ON cases (tenant_id, closed_at) WHERE closed_at IS NOT NULL;
