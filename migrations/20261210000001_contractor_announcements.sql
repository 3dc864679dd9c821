-- Every write to a workspace's contractors (or its Zoho connection, which the empty
-- directory's message depends on) is announced on `contractor_changes`, payload the
-- workspace id: each process's directory cache (server/contractors/cache.rs) forgets
-- that workspace's pages at once. A statement trigger, so a sync page of 200 upserts
-- is one announcement, and PostgreSQL folds the same announcement made again in one
-- transaction into one; sent only if the transaction commits.
CREATE FUNCTION announce_contractor_changes() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('contractor_changes', t.tenant_id::text)
    FROM (SELECT DISTINCT tenant_id FROM changed_rows) t;
    RETURN NULL;
END
$$;

CREATE TRIGGER contractors_announce_insert AFTER INSERT ON contractors
    REFERENCING NEW TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION announce_contractor_changes();
CREATE TRIGGER contractors_announce_update AFTER UPDATE ON contractors
    REFERENCING NEW TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION announce_contractor_changes();
CREATE TRIGGER contractors_announce_delete AFTER DELETE ON contractors
    REFERENCING OLD TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION announce_contractor_changes();

CREATE TRIGGER zoho_connections_announce_insert AFTER INSERT ON zoho_connections
    REFERENCING NEW TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION announce_contractor_changes();
CREATE TRIGGER zoho_connections_announce_update AFTER UPDATE ON zoho_connections
    REFERENCING NEW TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION announce_contractor_changes();
CREATE TRIGGER zoho_connections_announce_delete AFTER DELETE ON zoho_connections
    REFERENCING OLD TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION announce_contractor_changes();
