-- The team view's default (every status, newest update first) could not use
-- (tenant, archived, status, updated_at): at 1,000,000 cases Postgres sorted ~790,000
-- rows for the first page (208 ms, EXPLAIN ANALYZE in the session notes). Ordered by
-- updated_at right after the equality columns, the first page is the first 101 index
-- entries; a status filter becomes a cheap filter on that ordered scan.
DROP INDEX cases_team_idx;
CREATE INDEX cases_team_idx ON cases (tenant_id, archived, updated_at DESC, id DESC);
