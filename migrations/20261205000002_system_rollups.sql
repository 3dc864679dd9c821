-- The admin System page shows every instance, not only the one that answered: each
-- instance writes what it served, minute by minute (app/src/server/system/rollup.rs),
-- and the page merges the minutes. Latency is kept as histogram bucket counts (the
-- upper bounds, in ms, are `rollup::BUCKETS_MS`, the last count is everything above),
-- so percentiles merge exactly across instances and minutes, which averages would not.

-- Per instance, minute, route template and method. System-wide figures with no tenant
-- data in them (no user, no path, no value): every workspace's admin may read them, so
-- row-level security is on with a policy open to all rows, stated here rather than by
-- leaving it off.
CREATE TABLE system_route_minutes (
    minute    timestamptz NOT NULL,
    instance  text NOT NULL,
    route     text NOT NULL,
    method    text NOT NULL,
    requests  bigint NOT NULL CHECK (requests >= 0),
    errors    bigint NOT NULL CHECK (errors >= 0),
    sum_ms    double precision NOT NULL,
    buckets   bigint[] NOT NULL,
    PRIMARY KEY (minute, instance, route, method)
);
ALTER TABLE system_route_minutes ENABLE ROW LEVEL SECURITY;
CREATE POLICY system_wide ON system_route_minutes USING (true) WITH CHECK (true);
GRANT SELECT, INSERT, UPDATE, DELETE ON system_route_minutes TO casework_app;

-- Per instance and minute: its gauges at the end of the minute and its counts in it.
CREATE TABLE system_instance_minutes (
    minute          timestamptz NOT NULL,
    instance        text NOT NULL,
    started_at      timestamptz NOT NULL,
    version         text NOT NULL,
    sse_open        integer NOT NULL,
    pool_size       integer NOT NULL,
    pool_in_use     integer NOT NULL,
    rate_limited    jsonb NOT NULL DEFAULT '{}',
    redis_fallbacks bigint NOT NULL DEFAULT 0,
    cache_hits      bigint NOT NULL DEFAULT 0,
    cache_misses    bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (minute, instance)
);
ALTER TABLE system_instance_minutes ENABLE ROW LEVEL SECURITY;
CREATE POLICY system_wide ON system_instance_minutes USING (true) WITH CHECK (true);
GRANT SELECT, INSERT, UPDATE, DELETE ON system_instance_minutes TO casework_app;

-- Requests slower than a second, with who asked: tenant data, so each workspace sees
-- only its own.
CREATE TABLE system_slow_requests (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id   uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    at          timestamptz NOT NULL,
    instance    text NOT NULL,
    request_id  text NOT NULL,
    route       text NOT NULL,
    method      text NOT NULL,
    status      smallint NOT NULL,
    ms          double precision NOT NULL,
    user_id     uuid REFERENCES users (id) ON DELETE SET NULL
);
CREATE INDEX system_slow_requests_recent_idx ON system_slow_requests (tenant_id, at DESC);
ALTER TABLE system_slow_requests ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON system_slow_requests
    USING (tenant_id = app_tenant_id()) WITH CHECK (tenant_id = app_tenant_id());
GRANT SELECT, INSERT, DELETE ON system_slow_requests TO casework_app;
