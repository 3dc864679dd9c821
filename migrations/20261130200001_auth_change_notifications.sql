-- Every change that alters who a signed-in session is (the user's role, activity,
-- session epoch, name, email or tenant; the tenant's name) is announced on the
-- `auth_changes` channel, so each server process drops the viewers it remembers for
-- that user or tenant (app/src/server/auth/viewer_cache.rs). Triggers, not Rust: a
-- change made any way at all (an admin page, psql, another service) is heard.
-- Payloads: `user:<uuid>` or `tenant:<uuid>`; the app also sends `session:<id>` when a
-- session ends.

CREATE FUNCTION announce_user_auth_change() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('auth_changes', 'user:' || OLD.id);
    RETURN NULL;
END $$;

CREATE TRIGGER users_auth_change
    AFTER UPDATE OF tenant_id, email, display_name, role, active, session_epoch ON users
    FOR EACH ROW
    WHEN ((OLD.tenant_id, OLD.email, OLD.display_name, OLD.role, OLD.active, OLD.session_epoch)
          IS DISTINCT FROM
          (NEW.tenant_id, NEW.email, NEW.display_name, NEW.role, NEW.active, NEW.session_epoch))
    EXECUTE FUNCTION announce_user_auth_change();

CREATE TRIGGER users_auth_delete
    AFTER DELETE ON users
    FOR EACH ROW EXECUTE FUNCTION announce_user_auth_change();

CREATE FUNCTION announce_tenant_auth_change() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('auth_changes', 'tenant:' || OLD.id);
    RETURN NULL;
END $$;

CREATE TRIGGER tenants_auth_change
    AFTER UPDATE OF name ON tenants
    FOR EACH ROW
    WHEN (OLD.name IS DISTINCT FROM NEW.name)
    EXECUTE FUNCTION announce_tenant_auth_change();

CREATE TRIGGER tenants_auth_delete
    AFTER DELETE ON tenants
    FOR EACH ROW EXECUTE FUNCTION announce_tenant_auth_change();
