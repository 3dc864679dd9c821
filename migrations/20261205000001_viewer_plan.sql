-- The viewer carries the workspace's plan, so the rate limiter (one middleware for
-- every route) can choose the plan's limits with no query of its own. A change of plan
-- is announced like a change of the tenant's name, so every process forgets the
-- viewers it remembered for the tenant and the new limits apply at once.

DROP FUNCTION auth_session_user(uuid);
CREATE FUNCTION auth_session_user(p_user_id uuid)
    RETURNS TABLE (tenant_id uuid, tenant_name text, employees_may_enrich boolean,
                   plan tenant_plan, email text, display_name text, role user_role,
                   active boolean, session_epoch integer)
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
        SELECT u.tenant_id, t.name, t.employees_may_enrich, t.plan, u.email, u.display_name,
               u.role, u.active, u.session_epoch
        FROM users u JOIN tenants t ON t.id = u.tenant_id
        WHERE u.id = p_user_id
    $$;
REVOKE ALL ON FUNCTION auth_session_user(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth_session_user(uuid) TO casework_app;

DROP TRIGGER tenants_auth_change ON tenants;
CREATE TRIGGER tenants_auth_change
    AFTER UPDATE OF name, employees_may_enrich, plan ON tenants
    FOR EACH ROW
    WHEN ((OLD.name, OLD.employees_may_enrich, OLD.plan)
          IS DISTINCT FROM (NEW.name, NEW.employees_may_enrich, NEW.plan))
    EXECUTE FUNCTION announce_tenant_auth_change();
