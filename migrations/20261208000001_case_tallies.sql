-- What the dashboards show (issue 22): cases by status, priority and assignee now, by
-- the day they were created and the day they were closed, and the age of the open
-- ones. Counted per view they would scan a million cases; they change only when cases
-- are written, so they are kept here, in the writing transaction, by statement-level
-- triggers (the shape of contractor_facets): a bulk chunk of 1,000 cases updates each
-- counter it touches once. Tables are locked in one order (tallies, days, loads) and
-- rows in key order within each, so writers sharing counters never deadlock.
--
-- Every counter exists twice: for the whole workspace (`per_assignee` false, assignee
-- NULL) and for one assignee (`per_assignee` true; NULL is the unassigned pool), so the
-- admin's figures read a few dozen rows, not one per employee.

-- Where a case came from: the manual form, the public inquiry form, a CSV import, the
-- API. Cases that existed before (seeded, generated) count as entered by hand.
CREATE TYPE case_source AS ENUM ('manual', 'web_form', 'import', 'api');
ALTER TABLE cases ADD COLUMN source case_source NOT NULL DEFAULT 'manual';

-- When the case last entered a done status (resolved or closed); NULL while it is
-- open. Kept by a row trigger so every path that changes a status (the case page,
-- bulk changes, imports) stamps it the same way.
ALTER TABLE cases ADD COLUMN closed_at timestamptz;
UPDATE cases SET closed_at = updated_at WHERE status IN ('resolved', 'closed');

CREATE FUNCTION case_stamp_closed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.status NOT IN ('resolved', 'closed') THEN
        NEW.closed_at := NULL;
    ELSIF TG_OP = 'INSERT' THEN
        NEW.closed_at := coalesce(NEW.closed_at, NEW.updated_at);
    ELSIF OLD.status NOT IN ('resolved', 'closed') THEN
        NEW.closed_at := now();
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER cases_stamp_closed BEFORE INSERT OR UPDATE OF status ON cases
    FOR EACH ROW EXECUTE FUNCTION case_stamp_closed();

-- The state now: how many cases per status × priority × archived.
CREATE TABLE case_tallies (
    tenant_id    uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    per_assignee boolean NOT NULL,
    assignee_id  uuid,
    status       case_status NOT NULL,
    priority     case_priority NOT NULL,
    archived     boolean NOT NULL,
    n            integer NOT NULL,
    CHECK (per_assignee OR assignee_id IS NULL),
    UNIQUE NULLS NOT DISTINCT (tenant_id, per_assignee, assignee_id, status, priority, archived)
);

-- Per calendar day (UTC): `created` cases created that day, `open` those of them still
-- open (not archived, new / open / pending: the age of the backlog), `closed` cases
-- whose `closed_at` falls on that day (and are still done).
CREATE TABLE case_days (
    tenant_id    uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    per_assignee boolean NOT NULL,
    assignee_id  uuid,
    day          date NOT NULL,
    created      integer NOT NULL DEFAULT 0,
    open         integer NOT NULL DEFAULT 0,
    closed       integer NOT NULL DEFAULT 0,
    CHECK (per_assignee OR assignee_id IS NULL),
    UNIQUE NULLS NOT DISTINCT (tenant_id, per_assignee, assignee_id, day)
);

-- One row per person who holds cases (and the pool, NULL): how many open cases they
-- hold. The admin's load panel (the most loaded first) and the inquiry form's
-- auto-assignment (who is under the WIP limit) read it by index, not by summing a
-- tally row per status and priority of 2,000 people.
CREATE TABLE case_loads (
    tenant_id   uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    assignee_id uuid,
    open        integer NOT NULL,
    UNIQUE NULLS NOT DISTINCT (tenant_id, assignee_id)
);
CREATE INDEX case_loads_by_open_idx ON case_loads (tenant_id, open DESC);

ALTER TABLE case_loads ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON case_loads
    USING (tenant_id = app_tenant_id()) WITH CHECK (tenant_id = app_tenant_id());
ALTER TABLE case_tallies ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON case_tallies
    USING (tenant_id = app_tenant_id()) WITH CHECK (tenant_id = app_tenant_id());
ALTER TABLE case_days ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON case_days
    USING (tenant_id = app_tenant_id()) WITH CHECK (tenant_id = app_tenant_id());
GRANT SELECT, INSERT, UPDATE ON case_tallies, case_days, case_loads TO casework_app;

-- One case's contribution, +1 (new row) or -1 (old row).
CREATE TYPE case_tally_delta AS (
    tenant_id uuid, assignee_id uuid, status case_status, priority case_priority,
    archived boolean, created_at timestamptz, closed_at timestamptz, d integer
);

-- Sums the deltas per counter, drops zero sums (an UPDATE that only bumped the version
-- for a comment writes nothing), and applies the rest in key order, tallies before
-- days, so two writers lock the counters they share in the same order.
CREATE FUNCTION case_tallies_apply(deltas case_tally_delta[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO case_tallies AS t (tenant_id, per_assignee, assignee_id, status, priority, archived, n)
    SELECT r.tenant_id, s.per_assignee, s.assignee_id, r.status, r.priority, r.archived,
           sum(r.d)::integer
    FROM unnest(deltas) AS r
    CROSS JOIN LATERAL (VALUES (false, NULL::uuid), (true, r.assignee_id)) AS s (per_assignee, assignee_id)
    -- A workspace being deleted takes its counters with it (the cascade from tenants).
    WHERE EXISTS (SELECT 1 FROM tenants w WHERE w.id = r.tenant_id)
    GROUP BY 1, 2, 3, 4, 5, 6
    HAVING sum(r.d) <> 0
    ORDER BY 1, 2, 3, 4, 5, 6
    ON CONFLICT (tenant_id, per_assignee, assignee_id, status, priority, archived)
    DO UPDATE SET n = t.n + EXCLUDED.n;

    INSERT INTO case_days AS c (tenant_id, per_assignee, assignee_id, day, created, open, closed)
    SELECT r.tenant_id, s.per_assignee, s.assignee_id, k.day,
           sum(r.d * k.created)::integer, sum(r.d * k.open)::integer, sum(r.d * k.closed)::integer
    FROM unnest(deltas) AS r
    CROSS JOIN LATERAL (VALUES (false, NULL::uuid), (true, r.assignee_id)) AS s (per_assignee, assignee_id)
    CROSS JOIN LATERAL (VALUES
        ((r.created_at AT TIME ZONE 'UTC')::date, 1,
         (NOT r.archived AND r.status IN ('new', 'open', 'pending'))::integer, 0),
        ((r.closed_at AT TIME ZONE 'UTC')::date, 0, 0, 1)
    ) AS k (day, created, open, closed)
    WHERE k.day IS NOT NULL AND EXISTS (SELECT 1 FROM tenants w WHERE w.id = r.tenant_id)
    GROUP BY 1, 2, 3, 4
    HAVING sum(r.d * k.created) <> 0 OR sum(r.d * k.open) <> 0 OR sum(r.d * k.closed) <> 0
    ORDER BY 1, 2, 3, 4
    ON CONFLICT (tenant_id, per_assignee, assignee_id, day)
    DO UPDATE SET created = c.created + EXCLUDED.created, open = c.open + EXCLUDED.open,
                  closed = c.closed + EXCLUDED.closed;

    INSERT INTO case_loads AS l (tenant_id, assignee_id, open)
    SELECT r.tenant_id, r.assignee_id, sum(r.d)::integer
    FROM unnest(deltas) AS r
    WHERE NOT r.archived AND r.status IN ('new', 'open', 'pending')
      AND EXISTS (SELECT 1 FROM tenants w WHERE w.id = r.tenant_id)
    GROUP BY 1, 2
    HAVING sum(r.d) <> 0
    ORDER BY 1, 2
    ON CONFLICT (tenant_id, assignee_id) DO UPDATE SET open = l.open + EXCLUDED.open;
END
$$;

-- An UPDATE counts only the rows whose counted columns changed: most updates of a
-- case (a comment moving `updated_at`, a title edit) change none, and then nothing
-- more runs. PL/pgSQL keeps each statement's plan for the session (a SQL function
-- would plan its statements again on every call: 0.8 ms a comment, measured).
CREATE FUNCTION case_tallies_count() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    deltas case_tally_delta[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        deltas := ARRAY(
            SELECT (tenant_id, assignee_id, status, priority, archived, created_at, closed_at, 1)::case_tally_delta
            FROM new_rows);
    ELSIF TG_OP = 'UPDATE' THEN
        deltas := ARRAY(
            SELECT d FROM old_rows o JOIN new_rows n ON n.id = o.id
            CROSS JOIN LATERAL (VALUES
                ((n.tenant_id, n.assignee_id, n.status, n.priority, n.archived, n.created_at, n.closed_at, 1)::case_tally_delta),
                ((o.tenant_id, o.assignee_id, o.status, o.priority, o.archived, o.created_at, o.closed_at, -1)::case_tally_delta)
            ) AS v (d)
            WHERE (o.tenant_id, o.assignee_id, o.status, o.priority, o.archived, o.created_at, o.closed_at)
                  IS DISTINCT FROM
                  (n.tenant_id, n.assignee_id, n.status, n.priority, n.archived, n.created_at, n.closed_at));
    ELSE
        deltas := ARRAY(
            SELECT (tenant_id, assignee_id, status, priority, archived, created_at, closed_at, -1)::case_tally_delta
            FROM old_rows);
    END IF;
    IF cardinality(deltas) > 0 THEN
        PERFORM case_tallies_apply(deltas);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER case_tallies_insert AFTER INSERT ON cases
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION case_tallies_count();
CREATE TRIGGER case_tallies_update AFTER UPDATE ON cases
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION case_tallies_count();
CREATE TRIGGER case_tallies_delete AFTER DELETE ON cases
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION case_tallies_count();

-- The counters for the cases already there.
SELECT case_tallies_apply(ARRAY(
    SELECT (tenant_id, assignee_id, status, priority, archived, created_at, closed_at, 1)::case_tally_delta
    FROM cases));

-- The dashboards' other reads: the oldest open cases of one person (or of the pool),
-- without reading every open case of theirs.
CREATE INDEX cases_open_age_idx ON cases (tenant_id, assignee_id, created_at, id)
    WHERE NOT archived AND status IN ('new', 'open', 'pending');
CREATE INDEX cases_source_idx ON cases (tenant_id, source, updated_at DESC, id DESC)
    WHERE source <> 'manual';
