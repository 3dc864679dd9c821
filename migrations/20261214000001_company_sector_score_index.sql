-- The companies list filtered by sector, in its default order (highest score first),
-- walked the workspace's score index and dropped every company of another sector on
-- the way: 15,000 rows read for 51 shown, 20–80 ms of database time a page at 100,000
-- companies, the slowest page of the mixed-load benchmark (bench/RESULTS.md). With the
-- sector ahead of the score, the page is the index's first 51 entries (under 1 ms).
-- It also serves every other use of the (tenant, sector_key) prefix the older index had
-- (the other orders sort one sector's companies; the count reads one sector's range),
-- so that one goes.
CREATE INDEX companies_sector_score_idx ON companies (tenant_id, sector_key, score_rank, id);
DROP INDEX companies_sector_key_idx;
