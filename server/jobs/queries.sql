-- name: insert_job
-- $1 kind, $2 payload, $3 run_at, $4 max_attempts, $5 ordering_key, $6 created_at
INSERT INTO jobs (kind, payload, run_at, max_attempts, ordering_key, created_at)
VALUES ($1, $2, $3, $4, $5, $6)
RETURNING id;

-- name: insert_jobs
-- Many jobs of one kind; ids follow the order of the arrays.
-- $1 kind, $2 payloads, $3 ordering keys, $4 run_at, $5 max_attempts, $6 created_at
INSERT INTO jobs (kind, payload, run_at, max_attempts, ordering_key, created_at)
SELECT $1, u.payload, $4, $5, u.ordering_key, $6
  FROM unnest($2::jsonb[], $3::text[]) WITH ORDINALITY AS u(payload, ordering_key, n)
 ORDER BY u.n;

-- name: insert_jobs_of_kinds
-- One job of each kind, all with the same payload, and a wake-up for each kind: what an
-- event enqueues for its subscribers, in one round trip (the NOTIFYs go out on commit).
-- The kinds in $7 are queued only when account $8 has a follower on another server: kinds
-- that send only to other servers, for an occurrence that names nobody there (one probe of
-- the partial index follows_remote_target_idx, and none when $7 is empty).
-- $1 kinds, $2 payload, $3 run_at, $4 max_attempts, $5 created_at, $6 channel,
-- $7 kinds queued only for an account followed from elsewhere, $8 that account (or NULL)
WITH inserted AS (
    INSERT INTO jobs (kind, payload, run_at, max_attempts, created_at)
    SELECT u.kind, $2, $3, $4, $5
      FROM unnest($1::text[]) WITH ORDINALITY AS u(kind, n)
     WHERE NOT (u.kind = ANY($7::text[]))
        OR EXISTS (SELECT 1 FROM follows f WHERE f.target_account_id = $8::bigint
                                             AND f.follower_remote)
     ORDER BY u.n
    RETURNING kind
)
SELECT count(pg_notify($6, kind)) FROM inserted;

-- name: finish_and_claim_jobs
-- Delete the jobs the worker has finished since its last round trip, then claim up to $3
-- ready jobs due at $2 and lock them until $4 (one statement for both). A job whose ordering
-- key has an older unfinished job waits for it, so deliveries to one inbox keep their order;
-- the finished ones no longer hold back later jobs of their key, though this statement's
-- snapshot still sees them. A worker may serve only some kinds ($5, NULL for any) and leave
-- others alone ($6): slow network jobs get their own, wider worker.
-- $1 finished ids, $2 now, $3 limit, $4 locked_until, $5 only these kinds, $6 not these kinds
WITH finished AS (DELETE FROM jobs WHERE id = ANY($1::bigint[]))
UPDATE jobs
   SET state = 'running', attempts = attempts + 1, locked_until = $4
 WHERE id IN (
       SELECT j.id FROM jobs j
        WHERE j.state = 'ready' AND j.run_at <= $2
          AND ($5::text[] IS NULL OR j.kind = ANY($5::text[]))
          AND NOT (j.kind = ANY($6::text[]))
          AND (j.ordering_key IS NULL OR NOT EXISTS (
                -- a row comparison, which only jobs_ordering_idx answers: with `e.id < j.id`
                -- custom plans walked jobs_pkey over every job queued before j
                SELECT 1 FROM jobs e
                 WHERE e.ordering_key = j.ordering_key
                   AND (e.ordering_key, e.id) < (j.ordering_key, j.id)
                   AND e.state <> 'failed' AND e.id <> ALL($1::bigint[])))
        ORDER BY j.run_at, j.id
        LIMIT $3
        FOR UPDATE SKIP LOCKED)
RETURNING id, kind, payload, attempts, max_attempts;

-- name: delete_jobs
-- Finished jobs leave no rows behind.
-- $1 ids
DELETE FROM jobs WHERE id = ANY($1::bigint[]);

-- name: requeue_stalled_jobs
-- Jobs whose worker died (lock expired) go back to the queue; out of attempts, they fail.
-- $1 now
UPDATE jobs
   SET state = CASE WHEN attempts >= max_attempts THEN 'failed' ELSE 'ready' END,
       locked_until = NULL,
       run_at = $1,
       last_error = 'worker stopped before finishing the job',
       finished_at = CASE WHEN attempts >= max_attempts THEN $1 END
 WHERE state = 'running' AND locked_until < $1
RETURNING id;

-- name: delete_job
-- A finished job leaves no row behind.
-- $1 id
DELETE FROM jobs WHERE id = $1;

-- name: reschedule_job
-- $1 id, $2 run_at, $3 last_error
UPDATE jobs SET state = 'ready', run_at = $2, last_error = $3, locked_until = NULL
 WHERE id = $1;

-- name: fail_job
-- $1 id, $2 last_error, $3 finished_at
UPDATE jobs SET state = 'failed', last_error = $2, finished_at = $3, locked_until = NULL
 WHERE id = $1;

-- name: extend_job_lock
-- $1 id, $2 locked_until
UPDATE jobs SET locked_until = $2 WHERE id = $1 AND state = 'running';

-- name: get_job
-- $1 id
SELECT id, kind, payload, state, ordering_key, run_at, attempts, max_attempts, locked_until,
       last_error, created_at, finished_at
  FROM jobs WHERE id = $1;

-- name: list_jobs
-- $1 kind (NULL for all)
SELECT id, kind, payload, state, ordering_key, run_at, attempts, max_attempts, locked_until,
       last_error, created_at, finished_at
  FROM jobs WHERE ($1::text IS NULL OR kind = $1) ORDER BY id;

-- name: count_jobs_by_state
SELECT state, count(*) AS n FROM jobs GROUP BY state;

-- name: next_run_at
-- When the next ready job is due (the worker sleeps until then or a NOTIFY).
SELECT min(run_at) FROM jobs WHERE state = 'ready';

-- name: notify_workers
-- Wake idle workers; delivered on commit.
-- $1 channel, $2 kind
SELECT pg_notify($1, $2);

-- name: purge_failed_jobs
-- $1 cutoff
DELETE FROM jobs WHERE state = 'failed' AND finished_at < $1;

-- name: queue_due_periodic_jobs
-- Move every due housekeeping kind to its next time and queue one job of each, in one
-- statement; a kind seen for the first time is due at once. Returns the kinds queued.
-- $1 kinds, $2 their periods, $3 now, $4 channel
WITH due AS (
    INSERT INTO periodic_jobs AS p (kind, next_run_at)
    SELECT k, $3::timestamptz + i FROM unnest($1::text[], $2::interval[]) AS u(k, i)
    ON CONFLICT (kind) DO UPDATE SET next_run_at = EXCLUDED.next_run_at
     WHERE p.next_run_at <= $3
    RETURNING p.kind
), queued AS (
    INSERT INTO jobs (kind, payload, run_at, max_attempts, created_at)
    SELECT kind, '{}'::jsonb, $3::timestamptz, 3, $3::timestamptz FROM due
    RETURNING kind
)
SELECT kind, pg_notify($4, kind) FROM queued;
