-- What the people and company caches (app/src/server/caches.rs) keep is announced when
-- it changes, by triggers, so a change made any way at all (the app on any instance,
-- an import, psql) is heard by every process. Sent only if the transaction commits;
-- the same announcement made twice in one transaction is folded into one.

-- `people_changes`, payload the workspace id: someone joined, left, was renamed, or
-- changed role or activity (the people pickers list active employees and admins by
-- name; company notes and enrichments show names). Not sign-ins or the like.
CREATE FUNCTION announce_people_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        PERFORM pg_notify('people_changes', OLD.tenant_id::text);
    END IF;
    IF TG_OP <> 'DELETE' THEN
        PERFORM pg_notify('people_changes', NEW.tenant_id::text);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER users_people_insert AFTER INSERT ON users
    FOR EACH ROW EXECUTE FUNCTION announce_people_change();
CREATE TRIGGER users_people_update
    AFTER UPDATE OF tenant_id, email, display_name, role, active ON users
    FOR EACH ROW
    WHEN ((OLD.tenant_id, OLD.email, OLD.display_name, OLD.role, OLD.active)
          IS DISTINCT FROM
          (NEW.tenant_id, NEW.email, NEW.display_name, NEW.role, NEW.active))
    EXECUTE FUNCTION announce_people_change();
CREATE TRIGGER users_people_delete AFTER DELETE ON users
    FOR EACH ROW EXECUTE FUNCTION announce_people_change();

-- `company_cache`, payload `<workspace id>:<company id>`: a company's details, notes or
-- enrichment changed. A statement that changes more than 100 companies (an import's
-- batch) announces `<workspace id>:*` instead, once per workspace. Two functions only
-- because the company is `id` in one table and `company_id` in the others.
CREATE FUNCTION announce_companies() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF (SELECT count(*) FROM changed_rows) > 100 THEN
        PERFORM pg_notify('company_cache', t.tenant_id::text || ':*')
        FROM (SELECT DISTINCT tenant_id FROM changed_rows) t;
    ELSE
        PERFORM pg_notify('company_cache', t.tenant_id::text || ':' || t.id::text)
        FROM (SELECT DISTINCT tenant_id, id FROM changed_rows) t;
    END IF;
    RETURN NULL;
END
$$;

CREATE FUNCTION announce_company_parts() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF (SELECT count(*) FROM changed_rows) > 100 THEN
        PERFORM pg_notify('company_cache', t.tenant_id::text || ':*')
        FROM (SELECT DISTINCT tenant_id FROM changed_rows) t;
    ELSE
        PERFORM pg_notify('company_cache', t.tenant_id::text || ':' || t.company_id::text)
        FROM (SELECT DISTINCT tenant_id, company_id FROM changed_rows) t;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER companies_cache_insert AFTER INSERT ON companies
    REFERENCING NEW TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION announce_companies();
CREATE TRIGGER companies_cache_update AFTER UPDATE ON companies
    REFERENCING NEW TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION announce_companies();
CREATE TRIGGER companies_cache_delete AFTER DELETE ON companies
    REFERENCING OLD TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION announce_companies();

CREATE TRIGGER company_notes_cache_insert AFTER INSERT ON company_notes
    REFERENCING NEW TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION announce_company_parts();
CREATE TRIGGER company_notes_cache_update AFTER UPDATE ON company_notes
    REFERENCING NEW TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION announce_company_parts();
CREATE TRIGGER company_notes_cache_delete AFTER DELETE ON company_notes
    REFERENCING OLD TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION announce_company_parts();

CREATE TRIGGER enrichments_cache_insert AFTER INSERT ON enrichments
    REFERENCING NEW TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION announce_company_parts();
CREATE TRIGGER enrichments_cache_update AFTER UPDATE ON enrichments
    REFERENCING NEW TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION announce_company_parts();
CREATE TRIGGER enrichments_cache_delete AFTER DELETE ON enrichments
    REFERENCING OLD TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION announce_company_parts();
