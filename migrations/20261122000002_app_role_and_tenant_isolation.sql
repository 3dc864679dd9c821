-- Tenant isolation in the database. Request traffic runs as `casework_app`: it does not
-- own the tables and cannot bypass row-level security, so a query that forgets the
-- tenant sees nothing. The tenant is set per transaction with
-- set_config('app.tenant_id', …, true). Migrations and admin commands run as the owner.

DO $$
BEGIN
    CREATE ROLE casework_app NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
    NULL; -- roles are cluster-wide: another database of this cluster made it already
END
$$;

-- The connecting (owner) role must be a member to `SET ROLE casework_app`.
DO $$
BEGIN
    EXECUTE format('GRANT casework_app TO %I', current_user);
EXCEPTION WHEN OTHERS THEN
    NULL; -- already a member (or a superuser, who needs no membership)
END
$$;

-- The current tenant, or NULL when none is set. NULLIF: once set in a session, a custom
-- setting reads as '' (not NULL) after the transaction that set it ends.
CREATE FUNCTION app_tenant_id() RETURNS uuid
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid $$;

GRANT USAGE ON SCHEMA public TO casework_app;

ALTER TABLE tenants ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON tenants
    USING (id = app_tenant_id()) WITH CHECK (id = app_tenant_id());
GRANT SELECT, UPDATE ON tenants TO casework_app;

ALTER TABLE users ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON users
    USING (tenant_id = app_tenant_id()) WITH CHECK (tenant_id = app_tenant_id());
GRANT SELECT, INSERT, UPDATE ON users TO casework_app;

-- Signing in happens before the tenant is known. These few look-ups cross tenants on
-- purpose and return only what sign-in needs; they run as the owner (SECURITY DEFINER)
-- with a fixed search_path so callers cannot redirect them.
ALTER TABLE users ADD COLUMN session_epoch integer NOT NULL DEFAULT 0;
COMMENT ON COLUMN users.session_epoch IS
    'Bumped to revoke every session of the user: sessions remember the epoch they began in.';

CREATE FUNCTION auth_user_by_email(p_email text)
    RETURNS TABLE (id uuid, tenant_id uuid, password_hash text, active boolean, session_epoch integer)
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
    AS $$ SELECT id, tenant_id, password_hash, active, session_epoch FROM users WHERE email = lower(p_email) $$;

CREATE FUNCTION auth_session_user(p_user_id uuid)
    RETURNS TABLE (tenant_id uuid, tenant_name text, email text, display_name text,
                   role user_role, active boolean, session_epoch integer)
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
        SELECT u.tenant_id, t.name, u.email, u.display_name, u.role, u.active, u.session_epoch
        FROM users u JOIN tenants t ON t.id = u.tenant_id
        WHERE u.id = p_user_id
    $$;

REVOKE ALL ON FUNCTION auth_user_by_email(text), auth_session_user(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth_user_by_email(text), auth_session_user(uuid) TO casework_app;

-- Sessions (tower-sessions' Postgres store layout). Not tenant data: a session row is
-- found only by its unguessable id.
CREATE SCHEMA IF NOT EXISTS tower_sessions;
CREATE TABLE tower_sessions.session (
    id          text PRIMARY KEY NOT NULL,
    data        bytea NOT NULL,
    expiry_date timestamptz NOT NULL
);
CREATE INDEX session_expiry_idx ON tower_sessions.session (expiry_date);
GRANT USAGE ON SCHEMA tower_sessions TO casework_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON tower_sessions.session TO casework_app;
