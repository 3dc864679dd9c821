-- The backlog's history (the admin's "backlog by status and priority over the last 30
-- days"): the workspace's open cases (not archived; new, open, pending) per status ×
-- priority as each UTC day ended — or, for today, as it is now.
--
-- Kept like the other counters, in the writing transaction: whenever a write changes a
-- workspace's open tally for a status × priority, the tally's new value is copied into
-- today's row. A day on which nothing changed has no row of its own; it holds what the
-- last earlier row holds (the dashboard carries it forward). Exact, and no lag.

CREATE TABLE case_backlog_days (
    tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    day       date NOT NULL,
    status    case_status NOT NULL,
    priority  case_priority NOT NULL,
    n         integer NOT NULL,
    PRIMARY KEY (tenant_id, day, status, priority)
);
ALTER TABLE case_backlog_days ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON case_backlog_days
    USING (tenant_id = app_tenant_id()) WITH CHECK (tenant_id = app_tenant_id());
GRANT SELECT, INSERT, UPDATE ON case_backlog_days TO casework_app;

-- As before, with the history copied after the tallies it copies (tables locked in
-- one order: tallies, backlog, days, loads).
CREATE OR REPLACE FUNCTION case_tallies_apply(deltas case_tally_delta[]) RETURNS void
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

    -- The workspace's open tallies this write changed, as they now are. Only those it
    -- changed: their rows were updated just above and stay locked by this transaction,
    -- so the value copied is the latest, and no other writer can copy an older one
    -- over it.
    INSERT INTO case_backlog_days AS b (tenant_id, day, status, priority, n)
    SELECT t.tenant_id, (now() AT TIME ZONE 'UTC')::date, t.status, t.priority, t.n
    FROM case_tallies t
    WHERE NOT t.per_assignee AND t.assignee_id IS NULL AND NOT t.archived
      AND (t.tenant_id, t.status, t.priority) IN (
          SELECT r.tenant_id, r.status, r.priority FROM unnest(deltas) AS r
          WHERE r.status IN ('new', 'open', 'pending') AND NOT r.archived
          GROUP BY 1, 2, 3
          HAVING sum(r.d) <> 0)
    ORDER BY 1, 3, 4
    ON CONFLICT (tenant_id, day, status, priority) DO UPDATE SET n = EXCLUDED.n;

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

-- Where the history starts: today, from the tallies as they are.
INSERT INTO case_backlog_days (tenant_id, day, status, priority, n)
SELECT tenant_id, (now() AT TIME ZONE 'UTC')::date, status, priority, n
FROM case_tallies
WHERE NOT per_assignee AND assignee_id IS NULL AND NOT archived
  AND status IN ('new', 'open', 'pending');
