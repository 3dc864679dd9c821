-- Text search (`tsvector @@ tsquery`, the function ts_match_vq) marked LEAKPROOF, for
-- the same reason as enum_eq (20261212000002): under row-level security PostgreSQL
-- only lets a LEAKPROOF condition use an index, so the search box's `search @@ …` was
-- a filter over every row of the tenant (a million cases: a scan per keystroke)
-- instead of a GIN index lookup. ts_match_vq is safe to mark: it has no side effects,
-- and the only errors it can raise (stack depth, memory) depend on the query's shape,
-- which the person typed, never on the row's text it is matched against. Needs a
-- superuser; elsewhere this says so and changes nothing, and search stays correct,
-- only slower. db::migrate asserts it again at every start.
DO $$
BEGIN
    IF (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
        ALTER FUNCTION pg_catalog.ts_match_vq(tsvector, tsquery) LEAKPROOF;
    ELSE
        RAISE NOTICE 'ts_match_vq is not LEAKPROOF (needs a superuser): search is slower';
    END IF;
END
$$;
