-- Notifications (issue 25): what concerns one person — a case assigned to them, a
-- comment on their case, a mention in a comment, an enrichment they asked for that
-- finished. Each is written in the same transaction as its cause (server/notifications.rs),
-- so a notification exists exactly when its change committed, and is announced on
-- `notifications` for the bell to update live. Read state is kept here, so every tab and
-- every device agrees on it.

CREATE TYPE notification_kind AS ENUM ('assigned', 'comment', 'mention', 'enrichment');

CREATE TABLE notifications (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id   uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    -- Who it is for.
    user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind        notification_kind NOT NULL,
    -- Who caused it (none: the public form, an import without a person, the system).
    actor_id    uuid REFERENCES users (id) ON DELETE SET NULL,
    case_id     bigint REFERENCES cases (id) ON DELETE CASCADE,
    company_id  bigint REFERENCES companies (id) ON DELETE CASCADE,
    -- Cases handed over at once (a bulk action, an import): one notice says how many.
    cases       integer NOT NULL DEFAULT 1 CHECK (cases >= 1),
    -- The comment's first words, or what an enrichment came to.
    excerpt     text NOT NULL DEFAULT '' CHECK (length(excerpt) <= 400),
    -- An enrichment that failed (the excerpt says why, in words).
    failed      boolean NOT NULL DEFAULT false,
    created_at  timestamptz NOT NULL DEFAULT now(),
    read_at     timestamptz
);
-- A person's list, newest first, and their unread count.
CREATE INDEX notifications_inbox_idx ON notifications (user_id, id DESC);
CREATE INDEX notifications_unread_idx ON notifications (user_id, id) WHERE read_at IS NULL;
CREATE INDEX notifications_case_idx ON notifications (case_id) WHERE case_id IS NOT NULL;
CREATE INDEX notifications_company_idx ON notifications (company_id) WHERE company_id IS NOT NULL;

-- What each person does not want to hear of (no row: everything).
CREATE TABLE notification_settings (
    user_id     uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    tenant_id   uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    muted       notification_kind[] NOT NULL DEFAULT '{}',
    updated_at  timestamptz NOT NULL DEFAULT now()
);

ALTER TABLE notifications ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON notifications
    USING (tenant_id = app_tenant_id()) WITH CHECK (tenant_id = app_tenant_id());
ALTER TABLE notification_settings ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON notification_settings
    USING (tenant_id = app_tenant_id()) WITH CHECK (tenant_id = app_tenant_id());
GRANT SELECT, INSERT, UPDATE ON notifications TO casework_app;
GRANT SELECT, INSERT, UPDATE ON notification_settings TO casework_app;
