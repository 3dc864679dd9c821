-- Companies (seed 002, "VC Intel"): what analysts track, the enrichment of each, notes,
-- lists and saved searches, and the usage ledger that enrichment cost is counted in.
-- Same concurrency rules as cases: every user edit locks the row, checks and bumps
-- `version`, and is audited in the same transaction.

CREATE TYPE company_stage AS ENUM (
    'pre_seed', 'seed', 'series_a', 'series_b', 'series_c', 'growth', 'public', 'bootstrapped'
);
CREATE TYPE enrichment_confidence AS ENUM ('low', 'medium', 'high');
CREATE TYPE enrichment_status AS ENUM ('queued', 'running', 'done', 'failed');

-- Per-tenant settings for enrichment: who may run it and what it may cost a month.
ALTER TABLE tenants
    ADD COLUMN employees_may_enrich boolean NOT NULL DEFAULT false,
    -- Millionths of a US dollar; the default is $50 a month.
    ADD COLUMN enrich_budget_micros bigint NOT NULL DEFAULT 50000000 CHECK (enrich_budget_micros >= 0);

CREATE TABLE companies (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id      uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    name           text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    -- What enrichment fetches, as typed but with a scheme ("https://www.acme.com/").
    website_url    text NOT NULL CHECK (length(website_url) BETWEEN 1 AND 2048),
    -- The duplicate key: scheme, `www.`, trailing slash and case stripped ("acme.com").
    website        text NOT NULL CHECK (length(website) BETWEEN 1 AND 2048),
    sector         text NOT NULL DEFAULT '' CHECK (length(sector) <= 100),
    stage          company_stage,
    location       text NOT NULL DEFAULT '' CHECK (length(location) <= 100),
    added_by       uuid REFERENCES users (id) ON DELETE SET NULL,
    version        integer NOT NULL DEFAULT 1 CHECK (version > 0),
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    -- The last good enrichment's headline, here so the list can filter and sort by it
    -- through one index (the detail is in `enrichments`).
    score          smallint CHECK (score BETWEEN 0 AND 100),
    confidence     enrichment_confidence,
    enriched_at    timestamptz,
    -- Keywords and summary of the last good enrichment, for the text filter.
    enrichment_text text NOT NULL DEFAULT '',
    -- Sort keys (see the indexes below): the name for A–Z, and the score with unscored
    -- companies last as -1.
    name_key       text GENERATED ALWAYS AS (lower(name)) STORED,
    score_rank     smallint GENERATED ALWAYS AS (coalesce(score, -1::smallint)) STORED,
    search         tsvector GENERATED ALWAYS AS (
                       setweight(to_tsvector('simple', name || ' ' || website), 'A') ||
                       setweight(to_tsvector('english', sector || ' ' || location), 'B') ||
                       setweight(to_tsvector('english', enrichment_text), 'C')
                   ) STORED,
    UNIQUE (tenant_id, website)
);

-- The three sorts of the companies page, each a keyset walk along one index (backwards
-- for the descending sorts); the filters (sector, stage, location, min score) are
-- checked on the way. The page marker `(key, id) < (…)` must be an index condition, or
-- a deep page reads every row before it. Under row-level security PostgreSQL only uses
-- "leakproof" conditions that way, and lower() and COALESCE are not: hence the sort
-- keys as plain stored columns, compared with leakproof operators (bench/EXPLAIN.md).
CREATE INDEX companies_added_idx ON companies (tenant_id, created_at, id);
CREATE INDEX companies_name_idx ON companies (tenant_id, name_key, id);
CREATE INDEX companies_score_idx ON companies (tenant_id, score_rank, id);
CREATE INDEX companies_search_idx ON companies USING gin (search);

-- The current run and the last good result of one company's enrichment. A failed run
-- sets status and error and leaves the result columns as they were.
CREATE TABLE enrichments (
    company_id    bigint PRIMARY KEY REFERENCES companies (id) ON DELETE CASCADE,
    tenant_id     uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    status        enrichment_status NOT NULL,
    -- While running: fetching / extracting / scoring.
    step          text,
    attempts      integer NOT NULL DEFAULT 0,
    error         text,
    requested_by  uuid REFERENCES users (id) ON DELETE SET NULL,
    requested_at  timestamptz NOT NULL DEFAULT now(),
    started_at    timestamptz,
    finished_at   timestamptz,
    -- The usage ledger row of the current run.
    request_id    bigint,
    -- The last good result.
    summary       text,
    what_they_do  jsonb,
    keywords      jsonb,
    signals       jsonb,
    sources       jsonb,
    score         smallint CHECK (score BETWEEN 0 AND 100),
    confidence    enrichment_confidence,
    provider      text,
    model         text,
    tokens_in     bigint,
    tokens_out    bigint,
    cost_micros   bigint,
    enriched_at   timestamptz
);

-- One row per enrichment asked for: the per-user rate limit counts these (a sliding
-- hour, exact across instances), and Admin → Usage sums tokens and cost from them.
-- Tokens and cost are added when a provider reports real usage, retries included.
CREATE TABLE enrichment_usage (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id    uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    user_id      uuid REFERENCES users (id) ON DELETE SET NULL,
    company_id   bigint REFERENCES companies (id) ON DELETE SET NULL,
    provider     text NOT NULL,
    model        text,
    tokens_in    bigint NOT NULL DEFAULT 0 CHECK (tokens_in >= 0),
    tokens_out   bigint NOT NULL DEFAULT 0 CHECK (tokens_out >= 0),
    cost_micros  bigint NOT NULL DEFAULT 0 CHECK (cost_micros >= 0),
    outcome      enrichment_status NOT NULL DEFAULT 'queued',
    requested_at timestamptz NOT NULL DEFAULT now(),
    finished_at  timestamptz
);
CREATE INDEX enrichment_usage_user_idx ON enrichment_usage (tenant_id, user_id, requested_at DESC);
CREATE INDEX enrichment_usage_month_idx ON enrichment_usage (tenant_id, requested_at);

-- Notes on a company: each one versioned, edited with the same stale-check as cases.
CREATE TABLE company_notes (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id   uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    company_id  bigint NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    author_id   uuid REFERENCES users (id) ON DELETE SET NULL,
    body        text NOT NULL CHECK (length(btrim(body)) BETWEEN 1 AND 20000),
    version     integer NOT NULL DEFAULT 1 CHECK (version > 0),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    updated_by  uuid REFERENCES users (id) ON DELETE SET NULL,
    deleted_at  timestamptz
);
CREATE INDEX company_notes_company_idx ON company_notes (company_id, created_at, id);

-- Lists: personal (owner_id set) or shared (owner_id NULL, admins manage them).
CREATE TABLE company_lists (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id   uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    name        text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 100),
    owner_id    uuid REFERENCES users (id) ON DELETE CASCADE,
    created_by  uuid REFERENCES users (id) ON DELETE SET NULL,
    version     integer NOT NULL DEFAULT 1 CHECK (version > 0),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
-- One name per owner (and one per tenant among the shared lists).
CREATE UNIQUE INDEX company_lists_name_idx
    ON company_lists (tenant_id, coalesce(owner_id, '00000000-0000-0000-0000-000000000000'::uuid), lower(name));

CREATE TABLE company_list_items (
    list_id     bigint NOT NULL REFERENCES company_lists (id) ON DELETE CASCADE,
    company_id  bigint NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    tenant_id   uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    added_by    uuid REFERENCES users (id) ON DELETE SET NULL,
    added_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (list_id, company_id)
);
CREATE INDEX company_list_items_company_idx ON company_list_items (company_id);

-- A saved search is the companies page's query string, stored in its canonical form.
CREATE TABLE saved_searches (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id   uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name        text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 100),
    query       text NOT NULL CHECK (length(query) <= 2000),
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX saved_searches_name_idx ON saved_searches (user_id, lower(name));

-- The audit trail of companies, their notes and lists.
CREATE TYPE company_action_kind AS ENUM (
    'create', 'update', 'enrich', 'note_added', 'note_edited', 'note_deleted',
    'list_created', 'list_renamed', 'list_deleted', 'list_added', 'list_removed'
);
CREATE TABLE company_actions (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id   uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    company_id  bigint REFERENCES companies (id) ON DELETE CASCADE,
    list_id     bigint,
    actor_id    uuid REFERENCES users (id) ON DELETE SET NULL,
    kind        company_action_kind NOT NULL,
    before      jsonb,
    after       jsonb,
    at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX company_actions_company_idx ON company_actions (company_id, at, id);
CREATE INDEX company_actions_list_idx ON company_actions (list_id, at, id) WHERE list_id IS NOT NULL;

-- Tenant isolation, as for cases.
ALTER TABLE companies ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON companies
    USING (tenant_id = app_tenant_id()) WITH CHECK (tenant_id = app_tenant_id());
ALTER TABLE enrichments ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON enrichments
    USING (tenant_id = app_tenant_id()) WITH CHECK (tenant_id = app_tenant_id());
ALTER TABLE enrichment_usage ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON enrichment_usage
    USING (tenant_id = app_tenant_id()) WITH CHECK (tenant_id = app_tenant_id());
ALTER TABLE company_notes ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON company_notes
    USING (tenant_id = app_tenant_id()) WITH CHECK (tenant_id = app_tenant_id());
ALTER TABLE company_lists ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON company_lists
    USING (tenant_id = app_tenant_id()) WITH CHECK (tenant_id = app_tenant_id());
ALTER TABLE company_list_items ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON company_list_items
    USING (tenant_id = app_tenant_id()) WITH CHECK (tenant_id = app_tenant_id());
ALTER TABLE saved_searches ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON saved_searches
    USING (tenant_id = app_tenant_id()) WITH CHECK (tenant_id = app_tenant_id());
ALTER TABLE company_actions ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON company_actions
    USING (tenant_id = app_tenant_id()) WITH CHECK (tenant_id = app_tenant_id());

GRANT SELECT, INSERT, UPDATE ON companies, enrichments, enrichment_usage, company_notes TO casework_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON company_lists, company_list_items, saved_searches TO casework_app;
-- The audit trail is append-only for the app.
GRANT SELECT, INSERT ON company_actions TO casework_app;
