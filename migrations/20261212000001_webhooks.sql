-- Outbound webhooks (issue 23): admins register endpoints for events; every change
-- that is such an event leaves one delivery per subscribed endpoint, written by a
-- trigger in the same transaction as the change (so a delivery exists exactly when its
-- change does, whichever writer made it: a page, the API, a bulk action, a job, the
-- CRM sync). A relay in the job system turns new deliveries into jobs; each attempt is
-- a job, signed the Standard Webhooks way, retried with backoff for about a day.

CREATE TABLE webhook_endpoints (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id   uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    url         text NOT NULL CHECK (length(url) BETWEEN 8 AND 2000 AND url ~ '^https?://'),
    description text NOT NULL DEFAULT '' CHECK (length(description) <= 200),
    events      text[] NOT NULL CHECK (
                    cardinality(events) BETWEEN 1 AND 5
                    AND events <@ ARRAY['case.created', 'case.updated', 'case.commented',
                                        'company.enriched', 'contractor.synced']),
    -- The signing secret (`whsec_` and 32 random bytes in base64): the receiver holds
    -- it too, and every delivery is signed with it, so it is kept, unlike API keys.
    secret      text NOT NULL CHECK (secret ~ '^whsec_[A-Za-z0-9+/]{43}=$'),
    enabled     boolean NOT NULL DEFAULT true,
    created_by  uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webhook_endpoints_tenant_idx ON webhook_endpoints (tenant_id, id);

CREATE TABLE webhook_deliveries (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id       uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    endpoint_id     bigint NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    -- The event's id (`msg_…`, the `webhook-id` header): one per event, the same for
    -- every endpoint and every attempt, so receivers can drop duplicates.
    event_id        text NOT NULL,
    event_type      text NOT NULL,
    -- The exact bytes sent and signed (fixed when the event happened: a resend sends
    -- the same body).
    body            text NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    -- new: waiting for the relay; queued: a job will attempt it; retrying: an attempt
    -- failed and the next is due at next_attempt_at; delivered; failed (gave up).
    state           text NOT NULL DEFAULT 'new'
                        CHECK (state IN ('new', 'queued', 'retrying', 'delivered', 'failed')),
    attempts        integer NOT NULL DEFAULT 0,
    -- `attempts` when this round began (a resend starts a new round of retries).
    round_start     integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz,
    last_attempt_at timestamptz,
    response_status smallint,
    latency_ms      integer,
    response_excerpt text,
    error           text,
    UNIQUE (endpoint_id, event_id)
);
CREATE INDEX webhook_deliveries_new_idx ON webhook_deliveries (id) WHERE state = 'new';
CREATE INDEX webhook_deliveries_endpoint_idx ON webhook_deliveries (endpoint_id, id DESC);
CREATE INDEX webhook_deliveries_tenant_idx ON webhook_deliveries (tenant_id, id DESC);

-- Each attempt of a delivery, for the log.
CREATE TABLE webhook_attempts (
    delivery_id     bigint NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
    attempt         integer NOT NULL CHECK (attempt > 0),
    tenant_id       uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    at              timestamptz NOT NULL DEFAULT now(),
    response_status smallint,
    latency_ms      integer NOT NULL,
    response_excerpt text,
    error           text,
    PRIMARY KEY (delivery_id, attempt)
);

ALTER TABLE webhook_endpoints ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON webhook_endpoints
    USING (tenant_id = app_tenant_id()) WITH CHECK (tenant_id = app_tenant_id());
ALTER TABLE webhook_deliveries ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON webhook_deliveries
    USING (tenant_id = app_tenant_id()) WITH CHECK (tenant_id = app_tenant_id());
ALTER TABLE webhook_attempts ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON webhook_attempts
    USING (tenant_id = app_tenant_id()) WITH CHECK (tenant_id = app_tenant_id());
GRANT SELECT, INSERT, UPDATE, DELETE ON webhook_endpoints TO casework_app;
GRANT SELECT, INSERT, UPDATE ON webhook_deliveries, webhook_attempts TO casework_app;

ALTER TABLE integration_actions DROP CONSTRAINT integration_actions_kind_check;
ALTER TABLE integration_actions ADD CONSTRAINT integration_actions_kind_check
    CHECK (kind IN ('connected', 'settings_changed', 'disconnected', 'sync_requested',
                    'webhook_applied', 'channel_enabled', 'inquiry_form_changed',
                    'api_key_created', 'api_key_revoked', 'webhook_endpoint_created',
                    'webhook_endpoint_changed', 'webhook_endpoint_deleted',
                    'webhook_resent'));

-- The events of one statement, as (tenant, type, data), become deliveries: one per
-- enabled endpoint of the tenant subscribed to the type, all sharing the event's id.
-- SECURITY DEFINER: whichever role made the change (the app's, under row-level
-- security, or a job's), the endpoints are read and the deliveries written for the
-- change's own tenant, named by each event.
CREATE FUNCTION webhook_enqueue(p_events jsonb) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
    BEGIN
        WITH events AS MATERIALIZED (
            SELECT (e ->> 'tenant_id')::uuid AS tenant_id, e ->> 'type' AS type,
                   'msg_' || replace(gen_random_uuid()::text, '-', '') AS id,
                   e -> 'data' AS data, now() AS at
            FROM jsonb_array_elements(p_events) e
        )
        INSERT INTO webhook_deliveries (tenant_id, endpoint_id, event_id, event_type, body)
        SELECT ev.tenant_id, ep.id, ev.id, ev.type,
               jsonb_build_object(
                   'type', ev.type,
                   'timestamp', to_char(ev.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
                   'data', ev.data)::text
        FROM events ev
        JOIN webhook_endpoints ep
          ON ep.tenant_id = ev.tenant_id AND ep.enabled AND ev.type = ANY (ep.events);
        IF FOUND THEN
            PERFORM pg_notify('webhook_deliveries', '');
        END IF;
    END
    $$;

-- Whether any endpoint of the tenant is enabled: the one probe a change pays when
-- nobody listens.
CREATE FUNCTION webhook_listening(p_tenant uuid) RETURNS boolean
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
    AS $$ SELECT EXISTS (SELECT 1 FROM webhook_endpoints WHERE tenant_id = p_tenant AND enabled) $$;

-- Cases: every audited change is an event (created / commented / updated), with the
-- case as it is after the change and the change itself as the audit trail has it.
CREATE FUNCTION webhook_case_events() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
    DECLARE
        events jsonb;
    BEGIN
        IF NOT webhook_listening((SELECT tenant_id FROM added LIMIT 1)) THEN
            RETURN NULL;
        END IF;
        SELECT jsonb_agg(jsonb_build_object(
                   'tenant_id', a.tenant_id,
                   'type', CASE a.kind WHEN 'create' THEN 'case.created'
                                       WHEN 'comment' THEN 'case.commented'
                                       ELSE 'case.updated' END,
                   'data', jsonb_build_object(
                       'case', jsonb_build_object(
                           'number', c.number, 'title', c.title,
                           'customer_name', c.customer_name,
                           'customer_company', c.customer_company,
                           'status', c.status, 'priority', c.priority,
                           'assignee_id', c.assignee_id, 'archived', c.archived,
                           'version', c.version, 'created_at', c.created_at,
                           'updated_at', c.updated_at),
                       'change', jsonb_build_object(
                           'kind', a.kind, 'before', a.before, 'after', a.after,
                           'actor_id', a.actor_id, 'at', a.at)))
                 ORDER BY a.id)
          INTO events
        FROM added a JOIN cases c ON c.id = a.case_id;
        IF events IS NOT NULL THEN
            PERFORM webhook_enqueue(events);
        END IF;
        RETURN NULL;
    END
    $$;
CREATE TRIGGER webhook_case_events AFTER INSERT ON case_actions
    REFERENCING NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION webhook_case_events();

-- Companies: an enrichment that finished (done or failed).
CREATE FUNCTION webhook_enrichment_events() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
    BEGIN
        IF NOT webhook_listening(NEW.tenant_id) THEN
            RETURN NULL;
        END IF;
        PERFORM webhook_enqueue(jsonb_build_array(jsonb_build_object(
            'tenant_id', NEW.tenant_id,
            'type', 'company.enriched',
            'data', jsonb_build_object(
                'company', (SELECT jsonb_build_object('id', c.id, 'name', c.name,
                                                      'website_url', c.website_url)
                            FROM companies c WHERE c.id = NEW.company_id),
                'enrichment', jsonb_build_object(
                    'status', NEW.status, 'error', NEW.error, 'score', NEW.score,
                    'confidence', NEW.confidence, 'summary', NEW.summary,
                    'keywords', NEW.keywords, 'enriched_at', NEW.enriched_at,
                    'finished_at', NEW.finished_at)))));
        RETURN NULL;
    END
    $$;
CREATE TRIGGER webhook_enrichment_events AFTER UPDATE OF status ON enrichments
    FOR EACH ROW
    WHEN (NEW.status IN ('done', 'failed') AND OLD.status IS DISTINCT FROM NEW.status)
    EXECUTE FUNCTION webhook_enrichment_events();

-- Contractors: a record the sync added or changed (its version moved; a run that only
-- saw a record again changes nothing that is sent).
CREATE FUNCTION webhook_contractor_event(n contractors) RETURNS jsonb
    LANGUAGE sql STABLE SET search_path = public, pg_temp
    AS $$
        SELECT jsonb_build_object(
            'tenant_id', n.tenant_id,
            'type', 'contractor.synced',
            'data', jsonb_build_object('contractor', jsonb_build_object(
                'id', n.id, 'zoho_id', n.zoho_id, 'name', n.name, 'trade', n.trade,
                'skills', n.skills, 'company', n.company, 'city', n.city,
                'region', n.region, 'email', n.email, 'phone', n.phone,
                'status', n.status, 'archived', n.archived, 'version', n.version,
                'zoho_modified_at', n.zoho_modified_at, 'updated_at', n.updated_at)))
    $$;

-- A trigger with transition tables answers one kind of statement, so inserts and
-- updates have a function each (only an update has a `previous` table to compare).
CREATE FUNCTION webhook_contractors_inserted() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
    DECLARE
        events jsonb;
    BEGIN
        IF NOT webhook_listening((SELECT tenant_id FROM changed LIMIT 1)) THEN
            RETURN NULL;
        END IF;
        SELECT jsonb_agg(webhook_contractor_event(n) ORDER BY n.id) INTO events FROM changed n;
        IF events IS NOT NULL THEN
            PERFORM webhook_enqueue(events);
        END IF;
        RETURN NULL;
    END
    $$;
CREATE FUNCTION webhook_contractors_updated() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
    DECLARE
        events jsonb;
    BEGIN
        IF NOT webhook_listening((SELECT tenant_id FROM changed LIMIT 1)) THEN
            RETURN NULL;
        END IF;
        SELECT jsonb_agg(webhook_contractor_event(n) ORDER BY n.id) INTO events
        FROM changed n JOIN previous o ON o.id = n.id
        WHERE o.version IS DISTINCT FROM n.version;
        IF events IS NOT NULL THEN
            PERFORM webhook_enqueue(events);
        END IF;
        RETURN NULL;
    END
    $$;
CREATE TRIGGER webhook_contractors_inserted AFTER INSERT ON contractors
    REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION webhook_contractors_inserted();
CREATE TRIGGER webhook_contractors_updated AFTER UPDATE ON contractors
    REFERENCING OLD TABLE AS previous NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION webhook_contractors_updated();

-- The relay's one look across tenants: takes up to `p_limit` new deliveries (skipping
-- those another relay holds) and marks them queued, in the caller's transaction, which
-- also enqueues their jobs: both commit, or neither.
CREATE FUNCTION webhook_take_new(p_limit integer)
    RETURNS TABLE (delivery_id bigint, tenant_id uuid)
    LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
        UPDATE webhook_deliveries d SET state = 'queued'
        FROM (SELECT id FROM webhook_deliveries WHERE state = 'new'
              ORDER BY id LIMIT p_limit FOR UPDATE SKIP LOCKED) taken
        WHERE d.id = taken.id
        RETURNING d.id, d.tenant_id
    $$;
REVOKE ALL ON FUNCTION webhook_enqueue(jsonb), webhook_listening(uuid), webhook_take_new(integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION webhook_take_new(integer) TO casework_app;
