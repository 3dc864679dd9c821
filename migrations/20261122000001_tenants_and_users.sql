-- Tenants and the people in them. Every other tenant table references tenants(id);
-- row-level security policies arrive with the Identity issue.

CREATE TYPE tenant_plan AS ENUM ('free', 'pro', 'enterprise');

CREATE TABLE tenants (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    slug        text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
    name        text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    plan        tenant_plan NOT NULL DEFAULT 'free',
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TYPE user_role AS ENUM ('admin', 'employee', 'analyst');

CREATE TABLE users (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id       uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    -- Stored lower-cased so the unique constraint is case-insensitive without citext.
    email           text NOT NULL UNIQUE CHECK (email = lower(email) AND email LIKE '_%@_%'),
    display_name    text NOT NULL CHECK (length(btrim(display_name)) BETWEEN 1 AND 200),
    role            user_role NOT NULL,
    password_hash   text,
    google_sub      text UNIQUE,
    active          boolean NOT NULL DEFAULT true,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    last_sign_in_at timestamptz
);

-- The admin user list: a tenant's users by name.
CREATE INDEX users_tenant_name_idx ON users (tenant_id, lower(display_name));
