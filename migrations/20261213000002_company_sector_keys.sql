-- The companies list's sector filter and its sector menu read every company of the
-- workspace on each page (the filter compared lower(sector), which no index has and
-- which row-level security will not push into a scan anyway, lower() not being
-- leakproof; the menu was a DISTINCT over all of them): 140 ms and 70 ms of database
-- time a page at 100,000 companies, the mixed-load benchmark's largest cost
-- (bench/RESULTS.md). The filter now compares a stored lower-cased key (as names do),
-- and the menu walks an index one sector at a time.
ALTER TABLE companies ADD COLUMN sector_key text GENERATED ALWAYS AS (lower(sector)) STORED;
CREATE INDEX companies_sector_key_idx ON companies (tenant_id, sector_key, id);
CREATE INDEX companies_sector_idx ON companies (tenant_id, sector);
