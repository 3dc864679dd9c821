-- The analyst's dashboard: how the workspace's companies spread over scores, sectors
-- and stages, what was enriched lately, and whose score moved most.
--
-- Counted per view they would read 100,000 companies; they change only when companies
-- are written, so they are kept here by statement-level triggers in the writing
-- transaction, like the cases' counters (20261208000001): one row per sector × stage ×
-- score band (tens; 90–100 together; NULL: not scored), with the sum of the scores
-- for the mean.

CREATE TABLE company_tallies (
    tenant_id  uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    sector     text NOT NULL,
    stage      company_stage,
    band       smallint CHECK (band BETWEEN 0 AND 9),
    n          integer NOT NULL,
    score_sum  bigint NOT NULL,
    UNIQUE NULLS NOT DISTINCT (tenant_id, sector, stage, band)
);
ALTER TABLE company_tallies ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON company_tallies
    USING (tenant_id = app_tenant_id()) WITH CHECK (tenant_id = app_tenant_id());
GRANT SELECT, INSERT, UPDATE ON company_tallies TO casework_app;

CREATE TYPE company_tally_delta AS (
    tenant_id uuid, sector text, stage company_stage, score smallint, d integer
);

CREATE FUNCTION company_tallies_apply(deltas company_tally_delta[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO company_tallies AS t (tenant_id, sector, stage, band, n, score_sum)
    -- (LEAST ignores NULLs: an unscored company must stay NULL, not land in 90–100.)
    SELECT r.tenant_id, r.sector, r.stage,
           CASE WHEN r.score IS NOT NULL THEN least(r.score / 10, 9)::smallint END,
           sum(r.d)::integer, coalesce(sum(r.d * r.score), 0)::bigint
    FROM unnest(deltas) AS r
    WHERE EXISTS (SELECT 1 FROM tenants w WHERE w.id = r.tenant_id)
    GROUP BY 1, 2, 3, 4
    HAVING sum(r.d) <> 0 OR coalesce(sum(r.d * r.score), 0) <> 0
    ORDER BY 1, 2, 3, 4
    ON CONFLICT (tenant_id, sector, stage, band)
    DO UPDATE SET n = t.n + EXCLUDED.n, score_sum = t.score_sum + EXCLUDED.score_sum;
END
$$;

-- An UPDATE counts only companies whose sector, stage or score changed (a note, a
-- rename, an enrichment's text change nothing here).
CREATE FUNCTION company_tallies_count() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    deltas company_tally_delta[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        deltas := ARRAY(SELECT (tenant_id, sector, stage, score, 1)::company_tally_delta FROM new_rows);
    ELSIF TG_OP = 'UPDATE' THEN
        deltas := ARRAY(
            SELECT d FROM old_rows o JOIN new_rows n ON n.id = o.id
            CROSS JOIN LATERAL (VALUES
                ((n.tenant_id, n.sector, n.stage, n.score, 1)::company_tally_delta),
                ((o.tenant_id, o.sector, o.stage, o.score, -1)::company_tally_delta)
            ) AS v (d)
            WHERE (o.tenant_id, o.sector, o.stage, o.score) IS DISTINCT FROM
                  (n.tenant_id, n.sector, n.stage, n.score));
    ELSE
        deltas := ARRAY(SELECT (tenant_id, sector, stage, score, -1)::company_tally_delta FROM old_rows);
    END IF;
    IF cardinality(deltas) > 0 THEN
        PERFORM company_tallies_apply(deltas);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER company_tallies_insert AFTER INSERT ON companies
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION company_tallies_count();
CREATE TRIGGER company_tallies_update AFTER UPDATE ON companies
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION company_tallies_count();
CREATE TRIGGER company_tallies_delete AFTER DELETE ON companies
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION company_tallies_count();

SELECT company_tallies_apply(ARRAY(
    SELECT (tenant_id, sector, stage, score, 1)::company_tally_delta FROM companies));

-- The score before the last good enrichment, kept when a run brings a new result, so
-- the dashboard can show whose score moved most.
ALTER TABLE enrichments ADD COLUMN previous_score smallint CHECK (previous_score BETWEEN 0 AND 100);
CREATE FUNCTION enrichment_keep_previous_score() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.enriched_at IS DISTINCT FROM OLD.enriched_at AND NEW.score IS NOT NULL THEN
        NEW.previous_score := OLD.score;
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER enrichments_keep_previous_score BEFORE UPDATE OF enriched_at ON enrichments
    FOR EACH ROW EXECUTE FUNCTION enrichment_keep_previous_score();

-- The biggest moves first, and the latest enrichments first.
CREATE INDEX enrichments_score_change_idx
    ON enrichments (tenant_id, (abs(score - previous_score)) DESC, enriched_at DESC)
    WHERE previous_score IS NOT NULL AND score IS NOT NULL;
CREATE INDEX companies_enriched_idx ON companies (tenant_id, enriched_at DESC)
    WHERE enriched_at IS NOT NULL;
