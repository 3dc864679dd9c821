-- An employee's queue in its default order (every status, newest update first) could
-- not be read in order from (tenant, assignee, archived, status, updated_at): the
-- status column splits it into one run per status, so the first page fetched the
-- whole queue (~420 rows at the benchmark's scale) and sorted it, and a deep page did
-- the same before its page marker could apply. Ordered by updated_at right after the
-- equality columns, the first page is the first 101 entries and the page marker is an
-- index condition (bench/EXPLAIN.md: 1.9 ms -> 0.9 ms; the page at 32 clients went from
-- ~1,300 to ~2,400 requests/s). The status-first index stays for what it is better at:
-- a rare status in a long queue, where this one would filter row by row.
CREATE INDEX cases_queue_updated_idx ON cases (tenant_id, assignee_id, archived, updated_at DESC, id DESC);
