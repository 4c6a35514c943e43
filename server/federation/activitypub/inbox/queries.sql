-- name: remember_tombstone
-- An Undo or Delete whose target has not arrived (yet).
-- $1 uri, $2 actor_uri, $3 now
INSERT INTO federation_tombstones (uri, actor_uri, recorded_at)
VALUES ($1, $2, $3)
ON CONFLICT (uri) DO UPDATE SET recorded_at = EXCLUDED.recorded_at;

-- name: has_tombstone
-- Whether `uri` was undone or deleted by this actor after `since`.
-- $1 uri, $2 actor_uri, $3 since
SELECT EXISTS (SELECT 1 FROM federation_tombstones
                WHERE uri = $1 AND actor_uri = $2 AND recorded_at >= $3);

-- name: get_post_arrival
-- Before a Create is stored, in one round trip: whether its actor already deleted or undid
-- the post (after `since`), whether the post is stored already, and the stored author (the
-- columns of accounts get_account_by_uri, NULL when unknown).
-- $1 uri, $2 actor_uri, $3 since, $4 author uri
SELECT EXISTS (SELECT 1 FROM federation_tombstones
                WHERE uri = $1 AND actor_uri = $2 AND recorded_at >= $3) AS tombstoned,
       EXISTS (SELECT 1 FROM statuses WHERE uri = $1) AS stored,
       a.id, a.username, a.domain, a.display_name, a.note, a.uri, a.url, a.inbox_url,
       a.shared_inbox_url, a.outbox_url, a.followers_url, a.following_url, a.featured_url,
       a.actor_type, a.public_key_pem, a.public_key_id, a.locked, a.bot, a.discoverable,
       a.indexable, a.avatar_url, a.header_url, a.fields, a.also_known_as, a.moved_to_account_id,
       a.suspended_at, a.fetched_at, a.created_at, a.updated_at
  FROM (SELECT 1) AS one LEFT JOIN accounts a ON a.uri = $4;

-- name: delete_old_tombstones
-- $1 before
DELETE FROM federation_tombstones WHERE recorded_at < $1;

-- name: set_moved_to
-- $1 account_id, $2 moved_to_account_id, $3 now
UPDATE accounts SET moved_to_account_id = $2, updated_at = $3 WHERE id = $1;

-- name: commit_without_flush
-- For the rest of this transaction only: COMMIT returns before the WAL reaches disk.
SELECT set_config('synchronous_commit', 'off', true);
