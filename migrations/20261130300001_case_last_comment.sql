-- The queue shows each case's latest comment. Looked up per row (a backward index scan
-- of case_comments for each of a page's 101 rows), it was about 40 % of the page's
-- database time at a million cases (bench/RESULTS.md: pgbench ran the page's SQL at
-- ~2,000 transactions/s with the look-ups, ~3,200 without). A page is read far more
-- often than a comment is written, so the snippet is kept on the case instead.
--
-- Triggers keep it, not the Rust write paths: posting, editing, deleting and the
-- seed's bulk loads all go through them, and a path added later cannot forget it.
-- Statement-level, with the changed rows as a transition table: a bulk INSERT of
-- millions of comments refreshes each touched case once, in one set-based UPDATE.
-- The snippet is recomputed from the thread rather than taken from the changed row,
-- so an edit to an older comment or the deletion of the newest one comes out right.
-- Comment writers lock the case row first (comments.rs), so two of them on one case
-- cannot interleave here; the UPDATE takes that lock anyway.
ALTER TABLE cases ADD COLUMN last_comment text;

CREATE FUNCTION refresh_case_last_comment() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    -- Only `last_comment`: a comment is not a change to the case (no version bump,
    -- so a bulk action does not skip the case, nor does `updated_at` move).
    UPDATE cases c
    SET last_comment = latest.snippet
    FROM (SELECT DISTINCT case_id FROM changed_comments) changed
    LEFT JOIN LATERAL (
        SELECT left(m.body, 140) AS snippet
        FROM case_comments m
        WHERE m.case_id = changed.case_id AND m.deleted_at IS NULL
        ORDER BY m.created_at DESC, m.id DESC
        LIMIT 1
    ) latest ON true
    WHERE c.id = changed.case_id
      AND c.last_comment IS DISTINCT FROM latest.snippet;
    RETURN NULL;
END
$$;

-- A trigger with a transition table serves one event, hence three. (A comment never
-- moves to another case, so the new rows of an UPDATE name every case it touched.)
CREATE TRIGGER case_comments_inserted AFTER INSERT ON case_comments
    REFERENCING NEW TABLE AS changed_comments
    FOR EACH STATEMENT EXECUTE FUNCTION refresh_case_last_comment();
CREATE TRIGGER case_comments_updated AFTER UPDATE ON case_comments
    REFERENCING NEW TABLE AS changed_comments
    FOR EACH STATEMENT EXECUTE FUNCTION refresh_case_last_comment();
CREATE TRIGGER case_comments_deleted AFTER DELETE ON case_comments
    REFERENCING OLD TABLE AS changed_comments
    FOR EACH STATEMENT EXECUTE FUNCTION refresh_case_last_comment();

-- The cases that already have comments.
UPDATE cases c
SET last_comment = latest.snippet
FROM (
    SELECT DISTINCT ON (case_id) case_id, left(body, 140) AS snippet
    FROM case_comments
    WHERE deleted_at IS NULL
    ORDER BY case_id, created_at DESC, id DESC
) latest
WHERE c.id = latest.case_id;
