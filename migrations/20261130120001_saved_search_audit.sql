-- Saved searches are writes like any other and are audited in `company_actions` (with
-- neither a company nor a list: the search's id, name and query are in before/after).
-- ADD VALUE may run in the migration's transaction; the values are only used later.
ALTER TYPE company_action_kind ADD VALUE IF NOT EXISTS 'search_saved';
ALTER TYPE company_action_kind ADD VALUE IF NOT EXISTS 'search_deleted';
