-- name: defer_unverified
-- Keep an inbox POST whose key this process does not know, with its verify job, in ONE
-- statement, unless the database has the key after all (then nothing is kept and the key's
-- owner, get_key_owner's choice, is returned: the POST is verified now), or the host
-- already has $17 waiting or all hosts together $18 (counted with LIMIT, so the count never
-- reads more rows than the bound; the total only when $25, and returned then). Rows received before $22 do not count: their job has
-- given up (or failed on a bug) and they are purged here, a few at a time. An activity id
-- already waiting or already stored is not kept again. The NOTIFY goes out on commit, only
-- with a job and a channel ($20 NULL: the caller's coalesced wake-up announces it).
-- The inbox's policy rows 7 and 8 are decided here too (get_inbox_sender_state's rules),
-- saving the POST a round trip: nothing is kept, and the outcome says why, when the
-- sender's domain ($26: host and parents) or the actor is suspended, or when $27 (the
-- activity is a Delete of its actor) and the actor is unknown.
-- $1 id, $2 activity_id, $3 actor_uri, $4 type, $5 host, $6 raw (JSON text),
-- $7 inbox_account_id, $8 received_at, $9 sig_scheme, $10 key_id, $11 sig_algorithm,
-- $12 signing_string, $13 legacy_signing_string, $14 signature, $15 covered, $16 sig_created,
-- $17 per-host bound, $18 total bound, $19 job kind, $20 notify channel, $21 job attempts,
-- $22 stale before, $23 purge limit, $24 the job's ordering key, $25 count the total,
-- $26 domains, $27 a Delete of its own actor
WITH policy AS (
    SELECT EXISTS (SELECT 1 FROM domain_policies
                    WHERE active AND policy = 'suspend' AND lower(domain) = ANY($26::text[]))
               AS domain_suspended,
           a.id IS NOT NULL AS actor_known,
           coalesce(a.domain IS NOT NULL AND a.suspended_at IS NOT NULL, false)
               AS actor_suspended
      FROM (SELECT 1) AS one LEFT JOIN accounts a ON a.uri = $3
), dropped AS (
    SELECT p.*, p.domain_suspended OR p.actor_suspended OR ($27::boolean AND NOT p.actor_known)
               AS dropped
      FROM policy p
), purged AS (
    -- in received_at order, so the index finds the stale rows (usually none) at once; a
    -- plain LIMIT was planned as a scan of every waiting row, in every POST, and the
    -- backlog is longest exactly when the web side is saturated
    DELETE FROM inbox_unverified
     WHERE id IN (SELECT id FROM inbox_unverified WHERE received_at < $22
                   ORDER BY received_at LIMIT $23)
), owner AS (
    SELECT id, uri, domain, public_key_pem, fetched_at, suspended_at
      FROM accounts WHERE public_key_id = $10
     ORDER BY fetched_at DESC NULLS LAST LIMIT 1
), counted AS (
    -- a stored key keeps nothing: the bounds are not counted then; the total only when
    -- $25 asks (counting 10,000 waiting rows costs ~2 ms: see service.defer)
    SELECT EXISTS (SELECT 1 FROM owner) AS key_stored,
           CASE WHEN NOT EXISTS (SELECT 1 FROM owner) THEN
               (SELECT count(*) FROM (SELECT 1 FROM inbox_unverified
                                       WHERE host = $5 AND received_at >= $22 LIMIT $17) h)
           END AS on_host,
           CASE WHEN $25::boolean AND NOT EXISTS (SELECT 1 FROM owner) THEN
               (SELECT count(*) FROM (SELECT 1 FROM inbox_unverified
                                       WHERE received_at >= $22 LIMIT $18) t)
           END AS total
), room AS (
    SELECT c.key_stored OR (c.on_host < $17 AND coalesce(c.total < $18, true)) AS has_room,
           EXISTS (SELECT 1 FROM inbox_items WHERE activity_id = $2)
           OR EXISTS (SELECT 1 FROM inbox_unverified WHERE activity_id = $2) AS seen,
           c.key_stored, c.total, d.dropped
      FROM counted c CROSS JOIN dropped d
), item AS (
    INSERT INTO inbox_unverified (id, activity_id, actor_uri, type, host, raw, inbox_account_id,
                                  received_at, sig_scheme, key_id, sig_algorithm, signing_string,
                                  legacy_signing_string, signature, covered, sig_created)
    SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15::text[], $16
      FROM room WHERE has_room AND NOT seen AND NOT key_stored AND NOT dropped
    ON CONFLICT (activity_id) DO NOTHING
    RETURNING id
), job AS (
    INSERT INTO jobs (kind, payload, run_at, max_attempts, ordering_key, created_at)
    SELECT $19, jsonb_build_object('item_id', id), $8, $21, $24, $8 FROM item
    RETURNING id
)
SELECT r.has_room, r.seen, r.total, EXISTS (SELECT 1 FROM job) AS kept,
       (SELECT count(pg_notify($20, $19)) FROM job WHERE $20::text IS NOT NULL) AS notified,
       o.id AS key_account_id, o.uri AS key_owner_uri, o.domain AS key_domain,
       o.public_key_pem AS key_pem, o.fetched_at AS key_fetched_at,
       o.suspended_at AS key_suspended_at,
       d.domain_suspended, d.actor_suspended, d.dropped AND NOT d.domain_suspended
           AND NOT d.actor_suspended AS unknown_actor_deleted
  FROM room r CROSS JOIN dropped d LEFT JOIN owner o ON true;

-- name: get_unverified
-- The kept POST and, in the same round trip, the account the database gives its key id to
-- now (an earlier job may have fetched it: get_key_owner's choice), or NULLs.
-- $1 id
SELECT u.id, u.activity_id, u.actor_uri, u.type, u.host, u.raw, u.inbox_account_id,
       u.received_at, u.sig_scheme, u.key_id, u.sig_algorithm, u.signing_string,
       u.legacy_signing_string, u.signature, u.covered, u.sig_created,
       k.id AS key_account_id, k.uri AS key_owner_uri, k.domain AS key_domain,
       k.public_key_pem AS key_pem, k.fetched_at AS key_fetched_at,
       k.suspended_at AS key_suspended_at
  FROM inbox_unverified u
  LEFT JOIN LATERAL (SELECT id, uri, domain, public_key_pem, fetched_at, suspended_at
                       FROM accounts WHERE public_key_id = u.key_id
                      ORDER BY fetched_at DESC NULLS LAST LIMIT 1) k ON true
 WHERE u.id = $1;

-- name: hand_over_unverified
-- A kept POST whose signature verified goes to the ordinary inbox storage in ONE statement:
-- the row leaves inbox_unverified, and the activity is stored with its processing job
-- unless its domain or actor is suspended by now (store_inbox_items' rules, same job row;
-- a redelivery stores nothing). `found` is false when another run of the job took it.
-- The NOTIFY goes out only with a channel ($6 NULL: the caller's coalesced wake-up).
-- A body jsonb refuses (a lone UTF-16 surrogate) makes the whole statement fail: nothing
-- is deleted, and the caller drops the row.
-- $1 unverified id, $2 new inbox item id, $3 domains (host and parents), $4 signed_by,
-- $5 job kind, $6 notify channel
WITH kept AS (
    DELETE FROM inbox_unverified WHERE id = $1
    RETURNING activity_id, actor_uri, type, raw, inbox_account_id, received_at
), gate AS (
    SELECT EXISTS (SELECT 1 FROM domain_policies
                    WHERE active AND policy = 'suspend' AND lower(domain) = ANY($3::text[]))
               AS domain_suspended,
           EXISTS (SELECT 1 FROM accounts a JOIN kept ON a.uri = kept.actor_uri
                    WHERE a.domain IS NOT NULL AND a.suspended_at IS NOT NULL)
               AS actor_suspended
), item AS (
    INSERT INTO inbox_items (id, activity_id, actor_uri, type, raw, signed_by, inbox_account_id,
                             received_at)
    SELECT $2, k.activity_id, k.actor_uri, k.type, k.raw::jsonb, $4, k.inbox_account_id,
           k.received_at
      FROM kept k, gate g WHERE NOT g.domain_suspended AND NOT g.actor_suspended
    ON CONFLICT (activity_id) DO NOTHING
    RETURNING id, received_at
), job AS (
    INSERT INTO jobs (kind, payload, run_at, max_attempts, ordering_key, created_at)
    SELECT $5, jsonb_build_object('item_id', id), received_at, 10, NULL, received_at FROM item
    RETURNING id
)
SELECT EXISTS (SELECT 1 FROM kept) AS found, g.domain_suspended, g.actor_suspended,
       EXISTS (SELECT 1 FROM job) AS stored,
       (SELECT count(pg_notify($6, $5)) FROM job WHERE $6::text IS NOT NULL) AS notified
  FROM gate g;

-- name: insert_fetched_actor
-- The owner of a key just fetched, when it is new to us (the common case: a first POST),
-- in ONE statement: the account with the counts its document gave, and its follow-up job
-- when $30 names one (remote_actors.store_actor's job row: a full signed refetch when the
-- key came in a restricted document). NULL when the uri or the name on that host is taken:
-- the caller then updates through store_actor, which knows those cases.
-- $1 id, $2 username, $3 domain, $4 display_name, $5 note, $6 uri, $7 url, $8 inbox_url,
-- $9 shared_inbox_url, $10 outbox_url, $11 followers_url, $12 following_url, $13 featured_url,
-- $14 actor_type, $15 public_key_pem, $16 public_key_id, $17 locked, $18 bot, $19 discoverable,
-- $20 indexable, $21 avatar_url, $22 header_url, $23 fields, $24 also_known_as,
-- $25 moved_to_uri, $26 now (created, updated, fetched), $27 followers, $28 following,
-- $29 statuses, $30 follow-up job kind (NULL: none), $31 notify channel (NULL: none),
-- $32 the job's refetch flag
WITH account AS (
    INSERT INTO accounts (id, username, domain, display_name, note, uri, url, inbox_url,
                          shared_inbox_url, outbox_url, followers_url, following_url,
                          featured_url, actor_type, public_key_pem, public_key_id, locked, bot,
                          discoverable, indexable, avatar_url, header_url, fields, also_known_as,
                          moved_to_uri, moved_to_account_id, fetched_at, created_at, updated_at,
                          remote_followers_count, remote_following_count, remote_statuses_count)
    SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19,
           $20, $21, $22, $23, $24, $25,
           (SELECT id FROM accounts WHERE uri = $25::text), $26, $26, $26, $27, $28, $29
     WHERE NOT EXISTS (SELECT 1 FROM accounts WHERE uri = $6)
       AND NOT EXISTS (SELECT 1 FROM accounts
                        WHERE lower(username) = lower($2)
                          AND coalesce(lower(domain), '') = lower($3))
    ON CONFLICT DO NOTHING
    RETURNING id
), job AS (
    INSERT INTO jobs (kind, payload, run_at, max_attempts, ordering_key, created_at)
    SELECT $30, jsonb_build_object('account_id', id, 'refetch', $32::boolean), $26, 10, NULL,
           $26
      FROM account WHERE $30::text IS NOT NULL
    RETURNING id
)
SELECT (SELECT id FROM account) AS id,
       (SELECT count(pg_notify($31, $30)) FROM job WHERE $31::text IS NOT NULL) AS notified;

-- name: delete_unverified
-- $1 id
DELETE FROM inbox_unverified WHERE id = $1;

-- name: count_unverified
-- How many wait, for tests and operators.
SELECT count(*) FROM inbox_unverified;

-- name: finish_and_claim_verify_jobs
-- jobs' finish_and_claim_jobs for the verify worker, which claims only this kind: the kind
-- written out, so that the claim walks jobs_ready_verify_idx (the verify jobs alone), not
-- jobs_ready_idx over every other kind queued before them. Same ordering-key rule, the
-- earlier job of a key looked up as a row comparison, which only jobs_ordering_idx
-- (ordering_key, id) can answer: with `e.id < j.id` PostgreSQL's custom plans (asyncpg's
-- prepared statement keeps them: they look cheaper) walked jobs_pkey over every job queued
-- before the candidate (W3: 30,000 processing jobs, 4-14 ms a claim, most of PostgreSQL's
-- time per new actor).
-- $1 finished ids, $2 now, $3 limit, $4 locked_until
WITH finished AS (DELETE FROM jobs WHERE id = ANY($1::bigint[]))
UPDATE jobs
   SET state = 'running', attempts = attempts + 1, locked_until = $4
 WHERE id IN (
       SELECT j.id FROM jobs j
        WHERE j.state = 'ready' AND j.kind = 'federation.verify_inbox_item' AND j.run_at <= $2
          AND (j.ordering_key IS NULL OR NOT EXISTS (
                SELECT 1 FROM jobs e
                 WHERE e.ordering_key = j.ordering_key
                   AND (e.ordering_key, e.id) < (j.ordering_key, j.id)
                   AND e.state <> 'failed' AND e.id <> ALL($1::bigint[])))
        ORDER BY j.run_at, j.id
        LIMIT $3
        FOR UPDATE SKIP LOCKED)
RETURNING id, kind, payload, attempts, max_attempts;

-- name: mark_web_saturated
-- This web process ($1) is saturated until $2 seconds from now (PostgreSQL's clock, the one
-- every process reading the row shares); 0 ends it now. Rows of processes gone for a minute
-- are removed on the way, so restarts do not pile rows up.
-- $1 process, $2 seconds
WITH gone AS (
    DELETE FROM web_load
     WHERE saturated_until < now() - interval '1 minute' AND process <> $1
)
INSERT INTO web_load (process, saturated_until)
VALUES ($1, now() + make_interval(secs => $2))
ON CONFLICT (process) DO UPDATE SET saturated_until = excluded.saturated_until;

-- name: any_web_saturated
-- Whether some web process says it is saturated now.
SELECT EXISTS (SELECT 1 FROM web_load WHERE saturated_until > now());
