-- An import whose job gives up must not stay "importing" for ever.
--
-- `attempts` counts the runs of the current step (the job increments it when it takes
-- the import), so the last one to fail marks the import failed itself; `job_id` names
-- the job working on it, so one the queue gave up on without our code seeing the end
-- (a worker killed on the last attempt, a timeout) is seen as stopped when the import
-- is read. `resumable`: it failed while importing, not because of the file, and can
-- carry on after the rows already written (`resume_line`).
ALTER TABLE imports
    ADD COLUMN attempts  integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    ADD COLUMN job_id    uuid,
    ADD COLUMN resumable boolean NOT NULL DEFAULT false;
