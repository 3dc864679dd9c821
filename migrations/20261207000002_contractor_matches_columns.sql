-- Text search in one pass (bench/RESULTS.md, "CRM sync"): the directory read the ids
-- `contractor_matches` returned by primary key twice, once for the page and once for
-- the count (4.4 ms of database time for the 503 matches of "solar"). Returning with
-- each match the columns the filters and the order need lets one statement count the
-- matches and pick the page's ids; only the page's cards are then read under the
-- policy. PL/pgSQL so that the plan is kept between calls (a SQL function that cannot
-- be inlined, as a SECURITY DEFINER one cannot, is planned on every call).
--
-- Runs as the owner, past row-level security, with the tenant condition written here:
-- it returns rows of the caller's own tenant only (`app.tenant_id`, which the policies
-- read too).
DROP FUNCTION contractor_matches(text);
CREATE FUNCTION contractor_matches(q text)
RETURNS TABLE (id bigint, tenant_id uuid, archived boolean, trade text, city text,
               status text, name_key text)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp ROWS 100 AS $$
BEGIN
    RETURN QUERY
        SELECT c.id, c.tenant_id, c.archived, c.trade, c.city, c.status, c.name_key
        FROM contractors c
        WHERE c.tenant_id = app_tenant_id()
          AND c.search @@ websearch_to_tsquery('simple', q);
END
$$;
REVOKE ALL ON FUNCTION contractor_matches(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION contractor_matches(text) TO casework_app;
