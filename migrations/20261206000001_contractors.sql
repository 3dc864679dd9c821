-- The contractor directory (seed 000): people synced from Zoho CRM with their photos,
-- the tenant's Zoho connection, and the sync runs with their per-record errors.

-- One Zoho connection per tenant. The client secret and refresh token are what the
-- admin pasted; no page ever shows them again (the app only says they are set).
CREATE TABLE zoho_connections (
    tenant_id           uuid PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
    data_centre         text NOT NULL DEFAULT 'us' CHECK (data_centre ~ '^[a-z]{2}$'),
    client_id           text NOT NULL CHECK (length(client_id) BETWEEN 1 AND 200),
    client_secret       text NOT NULL CHECK (length(client_secret) BETWEEN 1 AND 500),
    refresh_token       text NOT NULL CHECK (length(refresh_token) BETWEEN 1 AND 500),
    module              text NOT NULL DEFAULT 'Contacts' CHECK (module ~ '^[A-Za-z][A-Za-z0-9_]{0,99}$'),
    field_map           jsonb NOT NULL DEFAULT '{}',
    -- Minutes between scheduled runs; NULL: only by hand (and webhooks).
    schedule_minutes    integer CHECK (schedule_minutes BETWEEN 5 AND 1440),
    -- The Notification API channel: its id and the token Zoho echoes back in every call.
    channel_id          text NOT NULL,
    channel_token       text NOT NULL,
    channel_expires_at  timestamptz,
    channel_error       text,
    -- Incremental runs ask for records modified after these.
    records_cursor      timestamptz,
    deleted_cursor      timestamptz,
    -- "Sync now" is allowed once per ten minutes per tenant (seed 000).
    last_manual_at      timestamptz,
    connected_by        uuid REFERENCES users (id) ON DELETE SET NULL,
    version             integer NOT NULL DEFAULT 1 CHECK (version > 0),
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now()
);

CREATE TYPE sync_status AS ENUM ('queued', 'running', 'done', 'failed');

CREATE TABLE sync_runs (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id       uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    full_sync       boolean NOT NULL,
    -- manual / schedule
    trigger         text NOT NULL CHECK (trigger IN ('manual', 'schedule')),
    requested_by    uuid REFERENCES users (id) ON DELETE SET NULL,
    status          sync_status NOT NULL DEFAULT 'queued',
    attempts        integer NOT NULL DEFAULT 0,
    requested_at    timestamptz NOT NULL DEFAULT now(),
    started_at      timestamptz,
    finished_at     timestamptz,
    -- Progress: records seen of those Zoho counts (NULL until known), photos done of
    -- those to fetch so far.
    records_total   integer,
    records_done    integer NOT NULL DEFAULT 0,
    photos_total    integer NOT NULL DEFAULT 0,
    photos_done     integer NOT NULL DEFAULT 0,
    created         integer NOT NULL DEFAULT 0,
    updated         integer NOT NULL DEFAULT 0,
    unchanged       integer NOT NULL DEFAULT 0,
    archived        integer NOT NULL DEFAULT 0,
    photos_fetched  integer NOT NULL DEFAULT 0,
    failed          integer NOT NULL DEFAULT 0,
    error           text
);
-- The lock against two syncs of one tenant, in the database so it holds across
-- processes: a second run cannot be queued while one is queued or running.
CREATE UNIQUE INDEX sync_runs_one_active_idx ON sync_runs (tenant_id) WHERE status IN ('queued', 'running');
CREATE INDEX sync_runs_recent_idx ON sync_runs (tenant_id, id DESC);

-- What went wrong with one record in one run; the run goes on.
CREATE TABLE sync_run_errors (
    run_id      bigint NOT NULL REFERENCES sync_runs (id) ON DELETE CASCADE,
    tenant_id   uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    zoho_id     text NOT NULL,
    stage       text NOT NULL CHECK (stage IN ('record', 'photo', 'deleted')),
    message     text NOT NULL,
    at          timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (run_id, zoho_id, stage)
);

CREATE TABLE contractors (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id       uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    zoho_id         text NOT NULL CHECK (zoho_id ~ '^[0-9]{1,32}$'),
    name            text NOT NULL CHECK (length(name) BETWEEN 1 AND 255),
    trade           text CHECK (length(trade) <= 255),
    skills          text[] NOT NULL DEFAULT '{}',
    company         text CHECK (length(company) <= 255),
    city            text CHECK (length(city) <= 255),
    region          text CHECK (length(region) <= 255),
    email           text CHECK (length(email) <= 255),
    phone           text CHECK (length(phone) <= 255),
    status          text CHECK (length(status) <= 255),
    zoho_modified_at timestamptz NOT NULL,
    -- The photo: Zoho's reference to it when fetched (a change means a new photo), the
    -- content hash (objects are stored under it), size, and which thumbnails exist.
    photo_ref       text,
    photo_hash      text CHECK (photo_hash ~ '^[0-9a-f]{64}$'),
    photo_type      text,
    photo_width     integer,
    photo_height    integer,
    photo_thumbs    integer[] NOT NULL DEFAULT '{}',
    -- Set when the record is deleted in Zoho (or missing from a full run).
    archived_at     timestamptz,
    -- The run that last saw the record: a run counts each record once, even when a
    -- worker that died is replaced and the run starts over.
    last_run_id     bigint,
    -- Sort and filter keys as plain columns (leakproof comparisons under row-level
    -- security, as for companies: bench/EXPLAIN.md).
    name_key        text GENERATED ALWAYS AS (lower(name)) STORED,
    archived        boolean GENERATED ALWAYS AS (archived_at IS NOT NULL) STORED,
    skills_text     text NOT NULL DEFAULT '',
    search          tsvector GENERATED ALWAYS AS (
                        setweight(to_tsvector('simple', name), 'A') ||
                        setweight(to_tsvector('simple', coalesce(trade, '') || ' ' || skills_text), 'B') ||
                        setweight(to_tsvector('simple', coalesce(city, '') || ' ' || coalesce(region, '') || ' ' || coalesce(company, '')), 'C')
                    ) STORED,
    version         integer NOT NULL DEFAULT 1 CHECK (version > 0),
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, zoho_id)
);
CREATE INDEX contractors_name_idx ON contractors (tenant_id, archived, name_key, id);
CREATE INDEX contractors_trade_idx ON contractors (tenant_id, archived, trade, name_key, id);
CREATE INDEX contractors_city_idx ON contractors (tenant_id, archived, city, name_key, id);
CREATE INDEX contractors_search_idx ON contractors USING gin (search);

-- The audit trail of the integration: connecting, settings, runs asked for, and each
-- webhook delivery applied.
CREATE TABLE integration_actions (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id   uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    actor_id    uuid REFERENCES users (id) ON DELETE SET NULL,
    kind        text NOT NULL CHECK (kind IN ('connected', 'settings_changed', 'disconnected',
                    'sync_requested', 'webhook_applied', 'channel_enabled')),
    before      jsonb,
    after       jsonb,
    at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX integration_actions_recent_idx ON integration_actions (tenant_id, at DESC);

ALTER TABLE zoho_connections ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON zoho_connections
    USING (tenant_id = app_tenant_id()) WITH CHECK (tenant_id = app_tenant_id());
ALTER TABLE sync_runs ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON sync_runs
    USING (tenant_id = app_tenant_id()) WITH CHECK (tenant_id = app_tenant_id());
ALTER TABLE sync_run_errors ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON sync_run_errors
    USING (tenant_id = app_tenant_id()) WITH CHECK (tenant_id = app_tenant_id());
ALTER TABLE contractors ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON contractors
    USING (tenant_id = app_tenant_id()) WITH CHECK (tenant_id = app_tenant_id());
ALTER TABLE integration_actions ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON integration_actions
    USING (tenant_id = app_tenant_id()) WITH CHECK (tenant_id = app_tenant_id());

GRANT SELECT, INSERT, UPDATE, DELETE ON zoho_connections, sync_runs, sync_run_errors, contractors TO casework_app;
GRANT SELECT, INSERT ON integration_actions TO casework_app;

-- The schedule's view across tenants (every process ticks; row-level security hides
-- other tenants from the app role, so this one question is answered by a function):
-- which tenants are due a scheduled run, and whose notification channel ends soon.
CREATE FUNCTION zoho_due_tenants()
RETURNS TABLE (tenant_id uuid, run_due boolean, channel_due boolean)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT c.tenant_id,
           c.schedule_minutes IS NOT NULL AND NOT EXISTS (
               SELECT 1 FROM sync_runs r
               WHERE r.tenant_id = c.tenant_id
                 AND (r.status IN ('queued', 'running')
                      OR r.requested_at > now() - make_interval(mins => c.schedule_minutes))),
           c.channel_expires_at IS NULL OR c.channel_expires_at < now() + interval '2 hours'
    FROM zoho_connections c
$$;
REVOKE ALL ON FUNCTION zoho_due_tenants() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION zoho_due_tenants() TO casework_app;
