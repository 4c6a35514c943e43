-- name: defer_unverified
-- Keep an inbox POST whose key we do not have, with its verify job, in ONE statement,
-- unless the host already has $17 waiting or all hosts together $18 (counted with LIMIT, so
-- the count never reads more rows than the bound). Rows received before $22 do not count:
-- their job has given up (or failed on a bug) and they are purged here, a few at a time.
-- An activity id already waiting or already stored is not kept again. The NOTIFY goes
-- out on commit, only with a job.
-- $1 id, $2 activity_id, $3 actor_uri, $4 type, $5 host, $6 raw (JSON text),
-- $7 inbox_account_id, $8 received_at, $9 sig_scheme, $10 key_id, $11 sig_algorithm,
-- $12 signing_string, $13 legacy_signing_string, $14 signature, $15 covered, $16 sig_created,
-- $17 per-host bound, $18 total bound, $19 job kind, $20 notify channel, $21 job attempts,
-- $22 stale before, $23 purge limit, $24 the job's ordering key
WITH purged AS (
    DELETE FROM inbox_unverified
     WHERE id IN (SELECT id FROM inbox_unverified WHERE received_at < $22 LIMIT $23)
), room AS (
    SELECT (SELECT count(*) FROM (SELECT 1 FROM inbox_unverified
                                   WHERE host = $5 AND received_at >= $22 LIMIT $17) h) < $17
           AND (SELECT count(*) FROM (SELECT 1 FROM inbox_unverified
                                       WHERE received_at >= $22 LIMIT $18) t) < $18
               AS has_room,
           EXISTS (SELECT 1 FROM inbox_items WHERE activity_id = $2)
           OR EXISTS (SELECT 1 FROM inbox_unverified WHERE activity_id = $2) AS seen
), item AS (
    INSERT INTO inbox_unverified (id, activity_id, actor_uri, type, host, raw, inbox_account_id,
                                  received_at, sig_scheme, key_id, sig_algorithm, signing_string,
                                  legacy_signing_string, signature, covered, sig_created)
    SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15::text[], $16
      FROM room WHERE has_room AND NOT seen
    ON CONFLICT (activity_id) DO NOTHING
    RETURNING id
), job AS (
    INSERT INTO jobs (kind, payload, run_at, max_attempts, ordering_key, created_at)
    SELECT $19, jsonb_build_object('item_id', id), $8, $21, $24, $8 FROM item
    RETURNING id
)
SELECT r.has_room, r.seen, (SELECT count(pg_notify($20, $19)) FROM job) > 0 AS kept
  FROM room r;

-- name: get_unverified
-- $1 id
SELECT id, activity_id, actor_uri, type, host, raw, inbox_account_id, received_at, sig_scheme,
       key_id, sig_algorithm, signing_string, legacy_signing_string, signature, covered,
       sig_created
  FROM inbox_unverified WHERE id = $1;

-- name: delete_unverified
-- $1 id
DELETE FROM inbox_unverified WHERE id = $1;

-- name: count_unverified
-- How many wait, for tests and operators.
SELECT count(*) FROM inbox_unverified;
