-- Settings the dashboards read.
--
-- A person's "changed by others" list shows their cases someone else changed since
-- this moment, which "Mark as seen" moves to now (a write of its own, never a side
-- effect of opening the page).
ALTER TABLE users ADD COLUMN cases_seen_at timestamptz;

-- The workspace's work-in-progress limit: open cases one person should hold at most.
-- The admin's load panel measures against it; the inquiry form's auto-assignment
-- skips anyone at or over it. NULL: no limit.
ALTER TABLE tenants ADD COLUMN wip_limit integer CHECK (wip_limit BETWEEN 1 AND 100000);
