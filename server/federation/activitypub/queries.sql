-- name: insert_inbox_item
-- The raw activity goes in as the text that was received; a redelivery returns no row.
-- $1 id, $2 activity_id, $3 actor_uri, $4 type, $5 raw (JSON text), $6 signed_by,
-- $7 inbox_account_id, $8 received_at
INSERT INTO inbox_items (id, activity_id, actor_uri, type, raw, signed_by, inbox_account_id,
                         received_at)
VALUES ($1, $2, $3, $4, $5::text::jsonb, $6, $7, $8)
ON CONFLICT (activity_id) DO NOTHING
RETURNING id;

-- name: get_inbox_sender_state
-- What the inbox decides before any key is looked at (policy rows 7 and 8), in one query.
-- $1 domains (host and parents), $2 actor uri
SELECT EXISTS (SELECT 1 FROM domain_policies
                WHERE active AND policy = 'suspend' AND lower(domain) = ANY($1::text[]))
           AS domain_suspended,
       a.id IS NOT NULL AS actor_known,
       coalesce(a.domain IS NOT NULL AND a.suspended_at IS NOT NULL, false) AS actor_suspended
  FROM (SELECT 1) AS one LEFT JOIN accounts a ON a.uri = $2;

-- name: store_inbox_items
-- Keep verified activities and enqueue their processing in ONE statement and one commit
-- (the inbox's group commit; often a single row). Each row is decided on its own: nothing
-- is stored when its domain or actor is suspended by now; with a remembered PEM (the key
-- that verified it, remembered by the process) only when the database still gives that key
-- to that actor with that PEM, else the caller looks the key up again; a redelivery (or a
-- second row with the same activity id) stores nothing. Each stored row gets the job row
-- server.jobs.enqueue would write. One row out per row in, in the order given. The NOTIFY
-- goes out on commit only when $14 is true and a job was written: the caller coalesces
-- wake-ups (server.jobs.WakeUps).
-- $1 item ids, $2 actor uris, $3 key ids (signed_by), $4 remembered PEMs (NULL: none),
-- $5 activity ids, $6 types, $7 raws (JSON text), $8 inbox account ids, $9 received_at,
-- $10 row numbers (1-based) and $11 domains: each row's host and parents, flattened,
-- $12 job kind, $13 notify channel, $14 notify
WITH input AS (
    SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[],
                         $6::text[], $7::text[], $8::bigint[], $9::timestamptz[])
                  WITH ORDINALITY AS u(item_id, actor_uri, signed_by, pem, activity_id, type,
                                       raw, inbox_account_id, received_at, n)
), gate AS (
    SELECT i.*,
           EXISTS (SELECT 1 FROM unnest($10::bigint[], $11::text[]) AS d(n, domain)
                     JOIN domain_policies p
                       ON p.active AND p.policy = 'suspend' AND lower(p.domain) = d.domain
                    WHERE d.n = i.n) AS domain_suspended,
           EXISTS (SELECT 1 FROM accounts
                    WHERE uri = i.actor_uri AND domain IS NOT NULL AND suspended_at IS NOT NULL)
               AS actor_suspended,
           i.pem IS NULL OR EXISTS (
               SELECT 1 FROM (SELECT uri, public_key_pem FROM accounts
                               WHERE public_key_id = i.signed_by
                               ORDER BY fetched_at DESC NULLS LAST LIMIT 1) owner
                WHERE owner.uri = i.actor_uri AND owner.public_key_pem = i.pem)
               AS signer_current
      FROM input i
), item AS (
    INSERT INTO inbox_items (id, activity_id, actor_uri, type, raw, signed_by, inbox_account_id,
                             received_at)
    SELECT item_id, activity_id, actor_uri, type, raw::jsonb, signed_by, inbox_account_id,
           received_at
      FROM gate WHERE NOT domain_suspended AND NOT actor_suspended AND signer_current
     ORDER BY n
    ON CONFLICT (activity_id) DO NOTHING
    RETURNING id, received_at
), job AS (
    INSERT INTO jobs (kind, payload, run_at, max_attempts, ordering_key, created_at)
    SELECT $12, jsonb_build_object('item_id', id), received_at, 10, NULL, received_at
      FROM item ORDER BY id
    RETURNING id
)
SELECT g.domain_suspended, g.actor_suspended, g.signer_current,
       g.item_id IN (SELECT id FROM item) AS stored,
       (SELECT count(pg_notify($13, $12)) FROM (SELECT 1 FROM job LIMIT 1) AS any_job
         WHERE $14::boolean) AS woken
  FROM gate g ORDER BY g.n;

-- name: get_inbox_item
-- $1 id
SELECT id, activity_id, actor_uri, type, raw, signed_by, inbox_account_id, received_at, state,
       error, processed_at
  FROM inbox_items WHERE id = $1;

-- name: finish_inbox_item
-- Only an item still waiting is finished, so a job that runs twice changes nothing.
-- $1 id, $2 state, $3 error, $4 now
UPDATE inbox_items SET state = $2, error = $3, processed_at = $4
 WHERE id = $1 AND state = 'received'
RETURNING id;

-- name: get_inbox_items
-- Several items at once (a batch of jobs); ids not found are left out.
-- $1 ids
SELECT id, activity_id, actor_uri, type, raw, signed_by, inbox_account_id, received_at, state,
       error, processed_at
  FROM inbox_items WHERE id = ANY($1::bigint[]);

-- name: finish_inbox_items
-- finish_inbox_item for several items, each with its own state and error.
-- $1 ids, $2 states, $3 errors, $4 now
UPDATE inbox_items i SET state = f.state, error = f.error, processed_at = $4
  FROM unnest($1::bigint[], $2::text[], $3::text[]) AS f (id, state, error)
 WHERE i.id = f.id AND i.state = 'received';

-- name: note_inbox_item_error
-- A passing failure: the item waits for the job's next attempt, with the reason kept.
-- $1 id, $2 error
UPDATE inbox_items SET error = $2 WHERE id = $1 AND state = 'received';

-- name: list_inbox_items
-- Newest first.
-- $1 limit
SELECT id, activity_id, actor_uri, type, raw, signed_by, inbox_account_id, received_at, state,
       error, processed_at
  FROM inbox_items ORDER BY received_at DESC, id DESC LIMIT $1;

-- name: count_follows_of
-- $1 account_id, $2 true: its followers, false: whom it follows
SELECT CASE WHEN $2::boolean
            THEN (SELECT count(*) FROM follows WHERE target_account_id = $1)
            ELSE (SELECT count(*) FROM follows WHERE account_id = $1) END;

-- name: list_follower_uris
-- $1 account_id, $2 limit, $3 offset
SELECT a.uri FROM follows f JOIN accounts a ON a.id = f.account_id
 WHERE f.target_account_id = $1
 ORDER BY f.id DESC LIMIT $2 OFFSET $3;

-- name: list_following_uris
-- $1 account_id, $2 limit, $3 offset
SELECT a.uri FROM follows f JOIN accounts a ON a.id = f.target_account_id
 WHERE f.account_id = $1
 ORDER BY f.id DESC LIMIT $2 OFFSET $3;

-- name: count_outbox
-- What the outbox lists: live public and unlisted posts and boosts.
-- $1 account_id
SELECT count(*) FROM statuses
 WHERE account_id = $1 AND visibility IN ('public', 'unlisted') AND deleted_at IS NULL;

-- name: list_outbox_ids
-- Newest first, below $2.
-- $1 account_id, $2 max_id (exclusive), $3 limit
SELECT id FROM statuses
 WHERE account_id = $1 AND visibility IN ('public', 'unlisted') AND deleted_at IS NULL
   AND id < $2
 ORDER BY id DESC LIMIT $3;

-- name: list_pinned_status_ids
-- $1 account_id
SELECT p.status_id FROM status_pins p JOIN statuses s ON s.id = p.status_id
 WHERE p.account_id = $1 AND s.deleted_at IS NULL AND s.visibility IN ('public', 'unlisted')
 ORDER BY p.id DESC;

-- name: list_status_media
-- $1 status_ids
SELECT id, status_id, type, file_path, remote_url, content_type, description, blurhash, meta,
       focus_x, focus_y, position
  FROM media_attachments WHERE status_id = ANY($1::bigint[])
 ORDER BY status_id, position, id;

-- name: list_status_uris_and_authors
-- The uri and author uri of each status, deleted or not (for inReplyTo and boosts).
-- $1 status_ids
SELECT s.id, s.uri, s.deleted_at, a.uri AS author_uri
  FROM statuses s JOIN accounts a ON a.id = s.account_id
 WHERE s.id = ANY($1::bigint[]);
