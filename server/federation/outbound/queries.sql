-- name: lock_live_status
-- Held while a status's activity is being queued, so a Delete (or Undo) of it, whose
-- UPDATE waits for this lock, is always queued after it.
-- $1 status_id
SELECT id FROM statuses WHERE id = $1 AND deleted_at IS NULL FOR SHARE;

-- name: lock_follow_request
-- $1 account_id, $2 target_account_id
SELECT id FROM follow_requests WHERE account_id = $1 AND target_account_id = $2 FOR SHARE;

-- name: lock_follow
-- $1 account_id, $2 target_account_id
SELECT id FROM follows WHERE account_id = $1 AND target_account_id = $2 FOR SHARE;

-- name: lock_favourite
-- $1 uri
SELECT id FROM favourites WHERE uri = $1 FOR SHARE;

-- name: lock_block
-- $1 account_id, $2 target_account_id
SELECT id FROM blocks WHERE account_id = $1 AND target_account_id = $2 FOR SHARE;

-- name: list_preferred_inboxes
-- One inbox per remote server among these accounts: the shared one when it has one.
-- $1 account_ids
SELECT DISTINCT coalesce(shared_inbox_url, inbox_url) AS inbox
  FROM accounts
 WHERE id = ANY($1::bigint[]) AND domain IS NOT NULL AND suspended_at IS NULL
   AND coalesce(shared_inbox_url, inbox_url) IS NOT NULL;

-- name: list_reblogger_ids
-- Everyone who boosted a status, boosts undone or not (their servers hold a copy).
-- $1 status_id
SELECT DISTINCT account_id FROM statuses WHERE reblog_of_id = $1;

-- name: list_status_polls
-- Polls with their counts: local votes counted here, remote polls as their server reported.
-- $1 status_ids
SELECT p.status_id, p.options, p.multiple, p.expires_at, p.closed_at, p.remote_counts,
       p.remote_voters,
       coalesce((SELECT jsonb_object_agg(c.choice::text, c.n)
                   FROM (SELECT choice, count(*) AS n FROM poll_votes v
                          WHERE v.poll_id = p.id GROUP BY choice) c), '{}'::jsonb) AS votes,
       (SELECT count(DISTINCT account_id) FROM poll_votes v WHERE v.poll_id = p.id) AS voters
  FROM polls p
 WHERE p.status_id = ANY($1::bigint[]);

-- name: list_named_account_ids
-- The accounts a status names: those it mentions and, with $2, the author of the post it
-- quotes (not for a direct message, which goes to the mentioned only).
-- $1 status_id, $2 whether the quoted author counts
SELECT account_id FROM mentions WHERE status_id = $1
UNION
SELECT quoted_account_id FROM status_quotes
 WHERE status_id = $1 AND $2 AND quoted_account_id IS NOT NULL;
