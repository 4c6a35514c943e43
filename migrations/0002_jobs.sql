-- The job queue. A job is written in the same transaction as the change that caused it.
-- Jobs sharing an ordering_key run one at a time in id order (deliveries to one inbox).

CREATE TABLE jobs (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind           text        NOT NULL,
    payload        jsonb       NOT NULL,
    state          text        NOT NULL DEFAULT 'ready'
                   CHECK (state IN ('ready', 'running', 'failed')),
    ordering_key   text,
    run_at         timestamptz NOT NULL,
    attempts       integer     NOT NULL DEFAULT 0,
    max_attempts   integer     NOT NULL DEFAULT 10 CHECK (max_attempts > 0),
    locked_until   timestamptz,
    last_error     text,
    created_at     timestamptz NOT NULL,
    finished_at    timestamptz
);
CREATE INDEX jobs_ready_idx ON jobs (run_at, id) WHERE state = 'ready';
CREATE INDEX jobs_running_idx ON jobs (locked_until) WHERE state = 'running';
CREATE INDEX jobs_ordering_idx ON jobs (ordering_key, id) WHERE ordering_key IS NOT NULL AND state <> 'failed';
CREATE INDEX jobs_failed_idx ON jobs (finished_at) WHERE state = 'failed';
