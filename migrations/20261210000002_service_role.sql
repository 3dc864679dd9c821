-- API keys act as service identities of their workspace (migrations/20261210000003):
-- a user row each, with this role, which no person can hold or sign in with. Its own
-- migration: a new enum value cannot be used in the transaction that adds it.
ALTER TYPE user_role ADD VALUE IF NOT EXISTS 'service';
