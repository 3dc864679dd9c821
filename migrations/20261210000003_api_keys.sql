-- API keys (issue 23): an admin makes a key with a name, scopes and an optional expiry;
-- the secret is shown once and only its SHA-256 is kept (a key is 190 random bits, so a
-- fast hash is the right one: nothing to stretch, and every API request checks one).
-- Each key acts as a service identity of its workspace: a `users` row with role
-- 'service', which the audit trail names like anyone else. Revoking is a column the
-- look-up reads on every request, so it holds at once in every instance.

-- Service identities never sign in: no password, no Google account.
ALTER TABLE users ADD CONSTRAINT users_service_cannot_sign_in
    CHECK (role <> 'service' OR (password_hash IS NULL AND google_sub IS NULL));

CREATE TABLE api_keys (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id       uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    -- The key's service identity (its actions are this user's).
    user_id         uuid NOT NULL UNIQUE REFERENCES users (id) ON DELETE CASCADE,
    name            text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 100),
    -- Shown in lists and logs; the look-up's index. The secret follows it in the key.
    prefix          text NOT NULL UNIQUE CHECK (prefix ~ '^cwk_[0-9A-Za-z]{8}$'),
    secret_sha256   bytea NOT NULL CHECK (length(secret_sha256) = 32),
    scopes          text[] NOT NULL CHECK (
                        cardinality(scopes) BETWEEN 1 AND 8
                        AND scopes <@ ARRAY['cases:read', 'cases:write', 'comments:read',
                            'comments:write', 'companies:read', 'companies:write',
                            'contractors:read', 'users:read']),
    expires_at      timestamptz,
    created_by      uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    last_used_at    timestamptz,
    last_used_ip    inet,
    revoked_at      timestamptz,
    revoked_by      uuid REFERENCES users (id) ON DELETE SET NULL
);
CREATE INDEX api_keys_tenant_idx ON api_keys (tenant_id, created_at DESC);

ALTER TABLE api_keys ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON api_keys
    USING (tenant_id = app_tenant_id()) WITH CHECK (tenant_id = app_tenant_id());
GRANT SELECT, INSERT, UPDATE ON api_keys TO casework_app;

-- The key's audit entries join the integration trail.
ALTER TABLE integration_actions DROP CONSTRAINT integration_actions_kind_check;
ALTER TABLE integration_actions ADD CONSTRAINT integration_actions_kind_check
    CHECK (kind IN ('connected', 'settings_changed', 'disconnected', 'sync_requested',
                    'webhook_applied', 'channel_enabled', 'inquiry_form_changed',
                    'api_key_created', 'api_key_revoked'));

-- A request with a key names no workspace until the key is found: this one look-up
-- crosses tenants, by the key's prefix, and returns only what the check needs.
CREATE FUNCTION api_key_by_prefix(p_prefix text)
    RETURNS TABLE (key_id bigint, tenant_id uuid, user_id uuid, secret_sha256 bytea,
                   scopes text[], expires_at timestamptz, revoked_at timestamptz,
                   last_used_at timestamptz, last_used_ip inet,
                   tenant_name text, plan tenant_plan, display_name text, email text)
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
        SELECT k.id, k.tenant_id, k.user_id, k.secret_sha256, k.scopes, k.expires_at,
               k.revoked_at, k.last_used_at, k.last_used_ip, t.name, t.plan,
               u.display_name, u.email
        FROM api_keys k
        JOIN tenants t ON t.id = k.tenant_id
        JOIN users u ON u.id = k.user_id
        WHERE k.prefix = p_prefix
    $$;

-- Notes a checked key's use (the caller asks at most once a minute per key and
-- address, so a busy key is not a write per request).
CREATE FUNCTION api_key_used(p_key_id bigint, p_ip inet) RETURNS void
    LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
        UPDATE api_keys SET last_used_at = now(), last_used_ip = p_ip
        WHERE id = p_key_id AND revoked_at IS NULL
    $$;
REVOKE ALL ON FUNCTION api_key_by_prefix(text), api_key_used(bigint, inet) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION api_key_by_prefix(text), api_key_used(bigint, inet) TO casework_app;
