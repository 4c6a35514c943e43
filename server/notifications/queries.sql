-- name: insert_notification
-- Skipped when the recipient blocks the sender or mutes them with notifications hidden.
-- $1 id, $2 account_id, $3 from_account_id, $4 type, $5 status_id, $6 now
INSERT INTO notifications (id, account_id, from_account_id, type, status_id, created_at)
SELECT $1, $2, $3, $4, $5, $6
 WHERE NOT EXISTS (SELECT 1 FROM blocks WHERE account_id = $2 AND target_account_id = $3)
   AND NOT EXISTS (SELECT 1 FROM mutes WHERE account_id = $2 AND target_account_id = $3
                      AND hide_notifications AND (expires_at IS NULL OR expires_at > $6))
ON CONFLICT DO NOTHING
RETURNING id;

-- name: delete_notifications_about
-- When a follow request is answered, or a favourite undone, its notification goes.
-- $1 account_id, $2 from_account_id, $3 type, $4 status_id
DELETE FROM notifications
 WHERE account_id = $1 AND from_account_id = $2 AND type = $3
   AND coalesce(status_id, 0) = coalesce($4::bigint, 0);

-- name: list_notifications_for
-- $1 account_id, $2 limit
SELECT id, account_id, from_account_id, type, status_id, created_at
  FROM notifications WHERE account_id = $1 ORDER BY id DESC LIMIT $2;

-- name: list_notifications
-- The API's list: filtered by type and sender, newest first (oldest first above min_id).
-- Notifications about a deleted status are not shown.
-- $1 account_id, $2 types (null: all), $3 exclude_types, $4 from_account_id (or null),
-- $5 max_id, $6 since_id, $7 min_id, $8 limit
SELECT n.id, n.account_id, n.from_account_id, n.type, n.status_id, n.created_at
  FROM notifications n LEFT JOIN statuses s ON s.id = n.status_id
 WHERE n.account_id = $1
   AND ($2::text[] IS NULL OR n.type = ANY($2::text[]))
   AND NOT (n.type = ANY($3::text[]))
   AND ($4::bigint IS NULL OR n.from_account_id = $4)
   AND ($5::bigint IS NULL OR n.id < $5)
   AND ($6::bigint IS NULL OR n.id > $6)
   AND ($7::bigint IS NULL OR n.id > $7)
   AND (n.status_id IS NULL OR s.deleted_at IS NULL)
 ORDER BY CASE WHEN $7::bigint IS NULL THEN -n.id ELSE n.id END
 LIMIT $8;

-- name: get_notification
-- $1 id, $2 account_id
SELECT id, account_id, from_account_id, type, status_id, created_at
  FROM notifications WHERE id = $1 AND account_id = $2;

-- name: delete_notification
-- $1 id, $2 account_id
DELETE FROM notifications WHERE id = $1 AND account_id = $2 RETURNING id;

-- name: clear_notifications
-- $1 account_id
DELETE FROM notifications WHERE account_id = $1;

-- name: count_notifications
-- Up to $3 notifications newer than $2 (all when null), of the kinds the list would show
-- with the same type and sender filters (the unread count beside a filtered column).
-- $1 account_id, $2 after id, $3 limit, $4 types (null: all), $5 exclude_types,
-- $6 from_account_id (or null)
SELECT count(*) FROM (
    SELECT 1 FROM notifications n LEFT JOIN statuses s ON s.id = n.status_id
     WHERE n.account_id = $1 AND ($2::bigint IS NULL OR n.id > $2)
       AND ($4::text[] IS NULL OR n.type = ANY($4::text[]))
       AND NOT (n.type = ANY($5::text[]))
       AND ($6::bigint IS NULL OR n.from_account_id = $6)
       AND (n.status_id IS NULL OR s.deleted_at IS NULL)
     ORDER BY n.id
     LIMIT $3) n;
