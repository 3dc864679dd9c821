-- Under row-level security PostgreSQL uses a query's own condition as an index
-- condition only when its operator is LEAKPROOF (it may not run before the policy
-- otherwise, lest it reveal another tenant's rows through an error). Enum `=`
-- (`enum_eq`) is not marked so although it only compares two OIDs, like `oideq`, which
-- is: so `status = $1 AND priority = $2` were filters over every row of the tenant's
-- index range (the team queue filtered by status and priority: ~90 ms a page at a
-- million cases, 3 ms with this; bench/RESULTS.md). Marking a catalogue function needs
-- a superuser: where the migrating role is not one (a managed database), this says so
-- and changes nothing, and the queues stay correct, only slower (`serve` logs a warning
-- at start). db::migrate asserts it again at every start: a dump and restore drops it.
DO $$
BEGIN
    IF (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
        ALTER FUNCTION pg_catalog.enum_eq(anyenum, anyenum) LEAKPROOF;
    ELSE
        RAISE NOTICE 'enum_eq is not LEAKPROOF (needs a superuser): filtered queues are slower';
    END IF;
END
$$;
