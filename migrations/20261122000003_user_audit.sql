-- Every change an admin makes to a user: who, what, before, after, when.

CREATE TABLE user_audit (
    id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    actor_id  uuid REFERENCES users (id) ON DELETE SET NULL,
    user_id   uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    action    text NOT NULL CHECK (action IN ('create', 'role', 'deactivate', 'reactivate')),
    before    jsonb,
    after     jsonb,
    at        timestamptz NOT NULL DEFAULT now()
);

-- The admin page shows a tenant's newest entries first.
CREATE INDEX user_audit_tenant_at_idx ON user_audit (tenant_id, at DESC, id DESC);

ALTER TABLE user_audit ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON user_audit
    USING (tenant_id = app_tenant_id()) WITH CHECK (tenant_id = app_tenant_id());
-- Append-only for the app: no UPDATE or DELETE.
GRANT SELECT, INSERT ON user_audit TO casework_app;
