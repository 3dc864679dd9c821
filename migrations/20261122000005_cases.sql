-- Cases (seed 001): the work queue, the comment thread and the audit trail of every
-- action. Concurrency rules (ARCHITECTURE.md): every change locks the case row, checks
-- and bumps `version`, and appends to `case_actions` in the same transaction.

CREATE TYPE case_status AS ENUM ('new', 'open', 'pending', 'resolved', 'closed');
CREATE TYPE case_priority AS ENUM ('low', 'normal', 'high', 'urgent');
CREATE TYPE case_action_kind AS ENUM ('create', 'update', 'comment', 'status', 'assign', 'priority', 'archive');

CREATE TABLE cases (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id        uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    -- What people say ("case 1042"): per tenant, from tenant_case_counters.
    number           integer NOT NULL CHECK (number > 0),
    title            text NOT NULL CHECK (length(btrim(title)) BETWEEN 1 AND 300),
    customer_name    text NOT NULL DEFAULT '' CHECK (length(customer_name) <= 200),
    customer_email   text NOT NULL DEFAULT '' CHECK (length(customer_email) <= 254),
    customer_phone   text NOT NULL DEFAULT '' CHECK (length(customer_phone) <= 50),
    customer_company text NOT NULL DEFAULT '' CHECK (length(customer_company) <= 200),
    status           case_status NOT NULL DEFAULT 'new',
    priority         case_priority NOT NULL DEFAULT 'normal',
    assignee_id      uuid REFERENCES users (id) ON DELETE SET NULL,
    archived         boolean NOT NULL DEFAULT false,
    version          integer NOT NULL DEFAULT 1 CHECK (version > 0),
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    -- Full-text search: the title stemmed (English), customer fields as written.
    search           tsvector GENERATED ALWAYS AS (
                         setweight(to_tsvector('english', title), 'A') ||
                         setweight(to_tsvector('simple',
                             customer_name || ' ' || customer_email || ' ' || customer_company), 'B')
                     ) STORED,
    UNIQUE (tenant_id, number)
);

-- "My work": one employee's queue, filtered by archived and status, newest first,
-- paged by keyset on (updated_at, id).
CREATE INDEX cases_queue_idx ON cases (tenant_id, assignee_id, archived, status, updated_at DESC, id DESC);
-- The admin team view, across assignees.
CREATE INDEX cases_team_idx ON cases (tenant_id, archived, status, updated_at DESC, id DESC);
CREATE INDEX cases_search_idx ON cases USING gin (search);

CREATE TABLE tenant_case_counters (
    tenant_id   uuid PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
    last_number integer NOT NULL DEFAULT 0
);

CREATE TABLE case_comments (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id  uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    case_id    bigint NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    author_id  uuid REFERENCES users (id) ON DELETE SET NULL,
    body       text NOT NULL CHECK (length(btrim(body)) BETWEEN 1 AND 20000),
    created_at timestamptz NOT NULL DEFAULT now(),
    edited_at  timestamptz,
    -- Soft delete: the thread keeps its shape and the audit trail its subject.
    deleted_at timestamptz
);
CREATE INDEX case_comments_thread_idx ON case_comments (case_id, created_at, id);

CREATE TABLE case_actions (
    id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    case_id   bigint NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    actor_id  uuid REFERENCES users (id) ON DELETE SET NULL,
    kind      case_action_kind NOT NULL,
    before    jsonb,
    after     jsonb,
    at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX case_actions_case_idx ON case_actions (case_id, at, id);

-- Tenant isolation, as for users.
ALTER TABLE cases ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON cases
    USING (tenant_id = app_tenant_id()) WITH CHECK (tenant_id = app_tenant_id());
ALTER TABLE tenant_case_counters ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON tenant_case_counters
    USING (tenant_id = app_tenant_id()) WITH CHECK (tenant_id = app_tenant_id());
ALTER TABLE case_comments ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON case_comments
    USING (tenant_id = app_tenant_id()) WITH CHECK (tenant_id = app_tenant_id());
ALTER TABLE case_actions ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON case_actions
    USING (tenant_id = app_tenant_id()) WITH CHECK (tenant_id = app_tenant_id());

GRANT SELECT, INSERT, UPDATE ON cases, tenant_case_counters, case_comments TO casework_app;
-- The audit trail is append-only for the app.
GRANT SELECT, INSERT ON case_actions TO casework_app;
