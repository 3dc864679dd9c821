-- The public inquiry form, /contact/{slug}: each workspace's settings for it, the
-- people it may assign inquiries to, and what its daily cap has counted today.
--
-- One row per workspace, locked (FOR UPDATE) by every submission: the day's count,
-- the round-robin cursor and the choice of the next person are decided one
-- submission at a time, so two inquiries at once never both pick the same "least
-- loaded" person, nor both slip under the cap.

CREATE TYPE inquiry_assignment AS ENUM ('pool', 'round_robin');

CREATE TABLE inquiry_forms (
    tenant_id     uuid PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
    -- Off until an admin turns it on: a workspace does not take mail from strangers
    -- by surprise.
    enabled       boolean NOT NULL DEFAULT false,
    intro         text NOT NULL DEFAULT '' CHECK (length(intro) <= 2000),
    daily_cap     integer NOT NULL DEFAULT 500 CHECK (daily_cap BETWEEN 1 AND 100000),
    assignment    inquiry_assignment NOT NULL DEFAULT 'pool',
    -- The round-robin cursor: the last person given an inquiry (the next is the first
    -- chosen person after them, in id order). Not a foreign key: a cursor left by
    -- someone since removed still orders the others.
    last_assignee uuid,
    -- The UTC day `day_count` counts, reset by the first submission of a new day.
    day           date NOT NULL DEFAULT (now() AT TIME ZONE 'UTC')::date,
    day_count     integer NOT NULL DEFAULT 0 CHECK (day_count >= 0),
    -- Signs the moment the form was handed out (the minimum fill time): kept here, so
    -- every instance checks what any other instance signed.
    signing_key   uuid NOT NULL DEFAULT gen_random_uuid(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);

-- Whom round-robin assignment chooses among. The person must be of the same workspace:
-- the foreign key includes the tenant.
ALTER TABLE users ADD CONSTRAINT users_tenant_id_id_key UNIQUE (tenant_id, id);
CREATE TABLE inquiry_assignees (
    tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    user_id   uuid NOT NULL,
    PRIMARY KEY (tenant_id, user_id),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE
);

ALTER TABLE inquiry_forms ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON inquiry_forms
    USING (tenant_id = app_tenant_id()) WITH CHECK (tenant_id = app_tenant_id());
ALTER TABLE inquiry_assignees ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON inquiry_assignees
    USING (tenant_id = app_tenant_id()) WITH CHECK (tenant_id = app_tenant_id());
GRANT SELECT, INSERT, UPDATE ON inquiry_forms TO casework_app;
GRANT SELECT, INSERT, DELETE ON inquiry_assignees TO casework_app;

-- The form is found by the workspace's slug before any tenant is known: this look-up
-- crosses tenants on purpose and returns only what the public page needs (and the
-- key, which the server keeps). A workspace without a row has no form.
CREATE FUNCTION inquiry_form_by_slug(p_slug text)
    RETURNS TABLE (tenant_id uuid, workspace text, enabled boolean, intro text, signing_key uuid)
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
        SELECT t.id, t.name, f.enabled, f.intro, f.signing_key
        FROM tenants t JOIN inquiry_forms f ON f.tenant_id = t.id
        WHERE t.slug = p_slug
    $$;
REVOKE ALL ON FUNCTION inquiry_form_by_slug(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION inquiry_form_by_slug(text) TO casework_app;

-- A comment whose author is not a member (the inquiry's sender): who they said they
-- were, shown in the thread in place of a member's name. (No CHECK: validating one
-- would read every comment; the one door that writes it bounds it.)
ALTER TABLE case_comments ADD COLUMN author_label text;

-- Changes to the form's settings are audited with the workspace's integrations.
ALTER TABLE integration_actions DROP CONSTRAINT integration_actions_kind_check;
ALTER TABLE integration_actions ADD CONSTRAINT integration_actions_kind_check
    CHECK (kind IN ('connected', 'settings_changed', 'disconnected', 'sync_requested',
                    'webhook_applied', 'channel_enabled', 'inquiry_form_changed'));
