-- What the directory shows on every page besides its 48 cards: the filter menus (the
-- trades, cities and statuses in use, now with how many contractors each) and the
-- count of matches. Computed per request they were a capped count and three DISTINCT
-- scans of the tenant's contractors, ~30 ms of database time a page at 10,000
-- (bench/RESULTS.md, "CRM sync"). They change only when contractors are written, so
-- they are kept here, in the same transaction as the write, by statement-level
-- triggers: a sync page of 200 records updates each counter once, not 200 times.
--
-- kind 'all' (value '') counts every contractor on that side of `archived`; the other
-- kinds count contractors per value of that column (NULL values are not counted).
CREATE TABLE contractor_facets (
    tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    archived  boolean NOT NULL,
    kind      text NOT NULL CHECK (kind IN ('all', 'trade', 'city', 'status')),
    value     text NOT NULL,
    n         integer NOT NULL,
    PRIMARY KEY (tenant_id, archived, kind, value)
);
ALTER TABLE contractor_facets ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON contractor_facets
    USING (tenant_id = app_tenant_id()) WITH CHECK (tenant_id = app_tenant_id());
GRANT SELECT, INSERT, UPDATE, DELETE ON contractor_facets TO casework_app;

-- One trigger function for inserts, updates and deletes: +1 for every row in
-- `new_rows`, -1 for every row in `old_rows`, summed per counter; zero sums are dropped
-- (an UPDATE that touched only a photo or `last_run_id` writes nothing) and the rest
-- applied in key order, so two writers lock the counters they share in the same order.
-- Transition tables cannot be named in a trigger limited to some columns, hence the
-- zero-sum filter rather than `UPDATE OF trade, city, status, archived_at`. A counter
-- that falls to zero stays (the reads skip it): deleting it in the same statement is
-- not possible, and the values a tenant ever used are few.
CREATE TYPE contractor_facet_delta AS (
    tenant_id uuid, archived boolean, trade text, city text, status text, d integer
);

CREATE FUNCTION contractor_facets_apply(deltas contractor_facet_delta[]) RETURNS void
LANGUAGE sql AS $$
    INSERT INTO contractor_facets AS f (tenant_id, archived, kind, value, n)
    SELECT r.tenant_id, r.archived, k.kind, k.value, sum(r.d)::integer
    FROM unnest(deltas) AS r
    CROSS JOIN LATERAL (VALUES ('all', ''), ('trade', r.trade), ('city', r.city),
                               ('status', r.status)) AS k (kind, value)
    -- A workspace being deleted takes its counters with it (the cascade from tenants).
    WHERE k.value IS NOT NULL AND EXISTS (SELECT 1 FROM tenants t WHERE t.id = r.tenant_id)
    GROUP BY 1, 2, 3, 4
    HAVING sum(r.d) <> 0
    ORDER BY 1, 2, 3, 4
    ON CONFLICT (tenant_id, archived, kind, value) DO UPDATE SET n = f.n + EXCLUDED.n
$$;

CREATE FUNCTION contractor_facets_count() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    -- Each branch names only the transition tables its event has (a statement is
    -- planned when it first runs, so the others are never looked up).
    IF TG_OP = 'INSERT' THEN
        PERFORM contractor_facets_apply(ARRAY(
            SELECT (tenant_id, archived, trade, city, status, 1)::contractor_facet_delta
            FROM new_rows));
    ELSIF TG_OP = 'UPDATE' THEN
        PERFORM contractor_facets_apply(ARRAY(
            SELECT (tenant_id, archived, trade, city, status, 1)::contractor_facet_delta
            FROM new_rows
            UNION ALL
            SELECT (tenant_id, archived, trade, city, status, -1)::contractor_facet_delta
            FROM old_rows));
    ELSE
        PERFORM contractor_facets_apply(ARRAY(
            SELECT (tenant_id, archived, trade, city, status, -1)::contractor_facet_delta
            FROM old_rows));
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER contractor_facets_insert AFTER INSERT ON contractors
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION contractor_facets_count();
CREATE TRIGGER contractor_facets_update AFTER UPDATE ON contractors
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION contractor_facets_count();
CREATE TRIGGER contractor_facets_delete AFTER DELETE ON contractors
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION contractor_facets_count();
-- TRUNCATE is not counted: nothing truncates contractors (a reset would truncate both).

-- The counters for contractors already synced.
INSERT INTO contractor_facets (tenant_id, archived, kind, value, n)
SELECT c.tenant_id, c.archived, k.kind, k.value, count(*)
FROM contractors c
CROSS JOIN LATERAL (VALUES ('all', ''), ('trade', c.trade), ('city', c.city),
                           ('status', c.status)) AS k (kind, value)
WHERE k.value IS NOT NULL
GROUP BY 1, 2, 3, 4;

-- Text search under row-level security: `@@` is not leakproof, so PostgreSQL may not
-- use the GIN index for it under a policy and scans every contractor of the tenant
-- instead (5 ms at 10,000 for the count alone). This function runs as the owner (no
-- policy applies), uses the index, and states the tenant condition itself: it returns
-- the ids of the caller's tenant's contractors matching the query, which the caller's
-- own query (under the policy) then reads by primary key.
CREATE FUNCTION contractor_matches(q text) RETURNS SETOF bigint
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp ROWS 100 AS $$
    SELECT id FROM contractors
    WHERE tenant_id = app_tenant_id() AND search @@ websearch_to_tsquery('simple', q)
$$;
REVOKE ALL ON FUNCTION contractor_matches(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION contractor_matches(text) TO casework_app;
