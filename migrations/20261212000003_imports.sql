-- CSV import of cases and companies (issue 23): a file uploaded to object storage, its
-- columns mapped to fields (matched by header), checked row by row in a dry run that
-- writes nothing, then imported by a background job in batches, each batch one
-- transaction with its progress. Idempotent by an external id: a row whose id was
-- imported before updates that case or company instead of adding another.

ALTER TABLE cases ADD COLUMN external_id text CHECK (length(external_id) BETWEEN 1 AND 100);
CREATE UNIQUE INDEX cases_external_id_idx ON cases (tenant_id, external_id)
    WHERE external_id IS NOT NULL;
ALTER TABLE companies ADD COLUMN external_id text CHECK (length(external_id) BETWEEN 1 AND 100);
CREATE UNIQUE INDEX companies_external_id_idx ON companies (tenant_id, external_id)
    WHERE external_id IS NOT NULL;

CREATE TABLE imports (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id     uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    kind          text NOT NULL CHECK (kind IN ('cases', 'companies')),
    file_name     text NOT NULL CHECK (length(file_name) BETWEEN 1 AND 255),
    -- Where the file is in object storage, and its size.
    object_key    text NOT NULL,
    size_bytes    bigint NOT NULL CHECK (size_bytes >= 0),
    -- The header row as read, and which column (by index) feeds which field.
    header        text[] NOT NULL,
    mapping       jsonb NOT NULL DEFAULT '{}',
    -- The first rows, for the preview.
    sample        jsonb NOT NULL DEFAULT '[]',
    rows_total    integer NOT NULL CHECK (rows_total >= 0),
    -- uploaded → checking → checked → importing → done; failed at any step.
    status        text NOT NULL DEFAULT 'uploaded'
                      CHECK (status IN ('uploaded', 'checking', 'checked', 'importing', 'done', 'failed')),
    rows_done     integer NOT NULL DEFAULT 0,
    rows_bad      integer NOT NULL DEFAULT 0,
    created       integer NOT NULL DEFAULT 0,
    updated       integer NOT NULL DEFAULT 0,
    -- The last row a run has handled and committed: a run taken over resumes after it.
    resume_line   integer NOT NULL DEFAULT 0,
    error         text,
    created_by    uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    finished_at   timestamptz
);
CREATE INDEX imports_tenant_idx ON imports (tenant_id, id DESC);

-- A row that cannot be imported: its line in the file and why.
CREATE TABLE import_errors (
    import_id   bigint NOT NULL REFERENCES imports (id) ON DELETE CASCADE,
    tenant_id   uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    line        integer NOT NULL CHECK (line > 0),
    field       text,
    reason      text NOT NULL,
    PRIMARY KEY (import_id, line)
);

ALTER TABLE imports ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON imports
    USING (tenant_id = app_tenant_id()) WITH CHECK (tenant_id = app_tenant_id());
ALTER TABLE import_errors ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON import_errors
    USING (tenant_id = app_tenant_id()) WITH CHECK (tenant_id = app_tenant_id());
GRANT SELECT, INSERT, UPDATE, DELETE ON imports, import_errors TO casework_app;
