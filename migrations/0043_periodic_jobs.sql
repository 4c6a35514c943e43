-- When each housekeeping job is next due. One row per kind, shared by every worker process:
-- a process that finds a row due moves it forward and queues the job in one statement, so
-- however many processes look, each period queues the job once.
CREATE TABLE periodic_jobs (
    kind         text        PRIMARY KEY,
    next_run_at  timestamptz NOT NULL
);
