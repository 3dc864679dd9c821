-- Google sign-in: a tenant may name its Google Workspace domain, whose verified members
-- are created as employees on first sign-in. Look-ups before the tenant is known run
-- as the owner (SECURITY DEFINER), like the password ones.

ALTER TABLE tenants ADD COLUMN google_workspace_domain text UNIQUE
    CHECK (google_workspace_domain = lower(google_workspace_domain) AND google_workspace_domain LIKE '_%._%');

-- The user a Google identity signs in as: their linked Google account first, else the
-- same (verified) email not yet linked to any Google account.
CREATE FUNCTION auth_user_for_google(p_sub text, p_email text)
    RETURNS TABLE (id uuid, tenant_id uuid, active boolean, session_epoch integer, google_sub text)
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
        SELECT id, tenant_id, active, session_epoch, google_sub FROM users
        WHERE google_sub = p_sub OR email = lower(p_email)
        ORDER BY (google_sub = p_sub) IS TRUE DESC
        LIMIT 1
    $$;

CREATE FUNCTION auth_tenant_for_google_domain(p_domain text) RETURNS uuid
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
    AS $$ SELECT id FROM tenants WHERE google_workspace_domain = lower(p_domain) $$;

REVOKE ALL ON FUNCTION auth_user_for_google(text, text), auth_tenant_for_google_domain(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth_user_for_google(text, text), auth_tenant_for_google_domain(text) TO casework_app;
