-- The team's queue (All cases, and the REST API's list of cases) filtered by status and
-- priority: its capped count reads this index alone, and a page for one status is read
-- from it in order instead of walking every case of the workspace and discarding most
-- (bench/RESULTS.md, "REST API": the statement went from 58 to 6 ms at 1,000,000 cases).
CREATE INDEX cases_team_filter_idx
    ON cases (tenant_id, archived, status, priority, updated_at DESC, id DESC);
