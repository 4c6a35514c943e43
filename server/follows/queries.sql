-- name: get_follow
-- $1 account_id, $2 target_account_id
SELECT id, account_id, target_account_id, show_reblogs, notify, uri, created_at
  FROM follows WHERE account_id = $1 AND target_account_id = $2;

-- name: list_relations_with
-- Which of these accounts an account follows (`following`) and which follow it.
-- $1 account_id, $2 other account ids
SELECT target_account_id AS id, true AS following
  FROM follows WHERE account_id = $1 AND target_account_id = ANY($2::bigint[])
UNION ALL
SELECT account_id, false
  FROM follows WHERE target_account_id = $1 AND account_id = ANY($2::bigint[]);

-- name: get_follow_by_uri
-- $1 uri
SELECT id, account_id, target_account_id, show_reblogs, notify, uri, created_at
  FROM follows WHERE uri = $1;

-- name: insert_follow
-- $1 id, $2 account_id, $3 target_account_id, $4 show_reblogs, $5 notify, $6 uri, $7 now
INSERT INTO follows (id, account_id, target_account_id, show_reblogs, notify, uri, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7)
ON CONFLICT (account_id, target_account_id)
DO UPDATE SET show_reblogs = EXCLUDED.show_reblogs, notify = EXCLUDED.notify
RETURNING id, (xmax = 0) AS created;

-- name: delete_follow
-- $1 account_id, $2 target_account_id
DELETE FROM follows WHERE account_id = $1 AND target_account_id = $2 RETURNING id, uri;

-- name: get_follow_request
-- $1 account_id, $2 target_account_id
SELECT id, account_id, target_account_id, show_reblogs, notify, uri, created_at
  FROM follow_requests WHERE account_id = $1 AND target_account_id = $2;

-- name: get_follow_request_by_uri
-- $1 uri
SELECT id, account_id, target_account_id, show_reblogs, notify, uri, created_at
  FROM follow_requests WHERE uri = $1;

-- name: insert_follow_request
-- $1 id, $2 account_id, $3 target_account_id, $4 show_reblogs, $5 notify, $6 uri, $7 now
INSERT INTO follow_requests (id, account_id, target_account_id, show_reblogs, notify, uri, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7)
ON CONFLICT (account_id, target_account_id)
DO UPDATE SET show_reblogs = EXCLUDED.show_reblogs, notify = EXCLUDED.notify
RETURNING id, (xmax = 0) AS created;

-- name: delete_follow_request
-- $1 account_id, $2 target_account_id
DELETE FROM follow_requests WHERE account_id = $1 AND target_account_id = $2
RETURNING id, account_id, target_account_id, show_reblogs, notify, uri, created_at;

-- name: list_follow_requests
-- Pending requests to follow an account, oldest first.
-- $1 target_account_id, $2 limit
SELECT id, account_id, target_account_id, show_reblogs, notify, uri, created_at
  FROM follow_requests WHERE target_account_id = $1 ORDER BY id LIMIT $2;

-- name: insert_block
-- $1 id, $2 account_id, $3 target_account_id, $4 uri, $5 now
INSERT INTO blocks (id, account_id, target_account_id, uri, created_at)
VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (account_id, target_account_id) DO NOTHING
RETURNING id;

-- name: delete_block
-- $1 account_id, $2 target_account_id
DELETE FROM blocks WHERE account_id = $1 AND target_account_id = $2 RETURNING id, uri;

-- name: get_block_by_uri
-- $1 uri
SELECT id, account_id, target_account_id FROM blocks WHERE uri = $1;

-- name: is_blocking
-- $1 account_id, $2 target_account_id
SELECT EXISTS (SELECT 1 FROM blocks WHERE account_id = $1 AND target_account_id = $2);

-- name: upsert_mute
-- $1 id, $2 account_id, $3 target_account_id, $4 hide_notifications, $5 expires_at, $6 now
INSERT INTO mutes (id, account_id, target_account_id, hide_notifications, expires_at, created_at)
VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (account_id, target_account_id)
DO UPDATE SET hide_notifications = EXCLUDED.hide_notifications, expires_at = EXCLUDED.expires_at;

-- name: delete_mute
-- $1 account_id, $2 target_account_id
DELETE FROM mutes WHERE account_id = $1 AND target_account_id = $2;

-- name: list_local_follower_ids
-- $1 target_account_id
SELECT f.account_id FROM follows f JOIN accounts a ON a.id = f.account_id
 WHERE f.target_account_id = $1 AND a.domain IS NULL;

-- name: list_follower_inboxes
-- One inbox per remote server (the shared one when it has one). Read through the index of
-- remote followers only (migration 0022): local followers, however many, are not visited.
-- $1 target_account_id
SELECT DISTINCT coalesce(a.shared_inbox_url, a.inbox_url) AS inbox
  FROM follows f JOIN accounts a ON a.id = f.account_id
 WHERE f.target_account_id = $1 AND f.follower_remote
   AND a.domain IS NOT NULL AND a.suspended_at IS NULL
   AND coalesce(a.shared_inbox_url, a.inbox_url) IS NOT NULL;
