-- The admin dashboard's enrichment spend against the budget, and its work in waiting.
--
-- Spend per workspace and calendar month (UTC), kept from the usage ledger by a row
-- trigger in the same transaction that writes the ledger (enrichments are asked for
-- a few times an hour, so one row trigger costs nothing that matters), instead of
-- summing a month of ledger rows on every view.
CREATE TABLE enrichment_spend_months (
    tenant_id    uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    month        date NOT NULL CHECK (extract(day FROM month) = 1),
    enrichments  integer NOT NULL DEFAULT 0,
    failed       integer NOT NULL DEFAULT 0,
    cost_micros  bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant_id, month)
);
ALTER TABLE enrichment_spend_months ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON enrichment_spend_months
    USING (tenant_id = app_tenant_id()) WITH CHECK (tenant_id = app_tenant_id());
GRANT SELECT, INSERT, UPDATE ON enrichment_spend_months TO casework_app;

CREATE FUNCTION enrichment_spend_count() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        INSERT INTO enrichment_spend_months AS m (tenant_id, month, enrichments, failed, cost_micros)
        VALUES (OLD.tenant_id, date_trunc('month', OLD.requested_at AT TIME ZONE 'UTC')::date, -1,
                -(OLD.outcome = 'failed')::integer, -OLD.cost_micros)
        ON CONFLICT (tenant_id, month) DO UPDATE
        SET enrichments = m.enrichments + EXCLUDED.enrichments, failed = m.failed + EXCLUDED.failed,
            cost_micros = m.cost_micros + EXCLUDED.cost_micros;
    END IF;
    INSERT INTO enrichment_spend_months AS m (tenant_id, month, enrichments, failed, cost_micros)
    VALUES (NEW.tenant_id, date_trunc('month', NEW.requested_at AT TIME ZONE 'UTC')::date, 1,
            (NEW.outcome = 'failed')::integer, NEW.cost_micros)
    ON CONFLICT (tenant_id, month) DO UPDATE
    SET enrichments = m.enrichments + EXCLUDED.enrichments, failed = m.failed + EXCLUDED.failed,
        cost_micros = m.cost_micros + EXCLUDED.cost_micros;
    RETURN NULL;
END
$$;
CREATE TRIGGER enrichment_spend_insert AFTER INSERT ON enrichment_usage
    FOR EACH ROW EXECUTE FUNCTION enrichment_spend_count();
CREATE TRIGGER enrichment_spend_update AFTER UPDATE OF tenant_id, requested_at, outcome, cost_micros
    ON enrichment_usage
    FOR EACH ROW WHEN ((OLD.tenant_id, OLD.requested_at, OLD.outcome, OLD.cost_micros)
                       IS DISTINCT FROM (NEW.tenant_id, NEW.requested_at, NEW.outcome, NEW.cost_micros))
    EXECUTE FUNCTION enrichment_spend_count();

-- The ledger so far.
INSERT INTO enrichment_spend_months (tenant_id, month, enrichments, failed, cost_micros)
SELECT tenant_id, date_trunc('month', requested_at AT TIME ZONE 'UTC')::date, count(*),
       count(*) FILTER (WHERE outcome = 'failed'), sum(cost_micros)
FROM enrichment_usage GROUP BY 1, 2;

-- Enrichments waiting, running or failed (the few that are not done), by when they
-- were asked for: the dashboard counts them without reading the done ones.
CREATE INDEX enrichments_not_done_idx ON enrichments (tenant_id, status, requested_at)
    WHERE status <> 'done';
